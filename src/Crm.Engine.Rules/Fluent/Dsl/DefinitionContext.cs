using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using Crm.Engine.Rules.Rete;
using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Fluent.Dsl;

/// <summary>
/// Shared state while a fluent rule defines itself: aliases (captured locals) become declarations, and every
/// lambda is rewritten so that captured aliases are parameters named after their declaration.
/// </summary>
internal sealed class DefinitionContext
{
    private readonly Dictionary<MemberInfo, Declaration> _aliases = [];
    private readonly Dictionary<string, ParameterExpression> _parameters = new(StringComparer.Ordinal);
    private int _anonymous;

    public List<DependencyElement> Dependencies { get; } = [];

    /// <summary>The name set by <c>Name(...)</c> in <c>Define()</c>, overriding the attribute.</summary>
    public string? Name { get; set; }

    /// <summary>The priority set by <c>Priority(...)</c> in <c>Define()</c>, overriding the attribute.</summary>
    public int? Priority { get; set; }

    public List<ActionElement> Actions { get; } = [];

    public List<FilterElement> Filters { get; } = [];

    public ParameterExpression Parameter(Declaration declaration)
    {
        if (!_parameters.TryGetValue(declaration.Name, out var parameter))
        {
            parameter = Expression.Parameter(declaration.Type, declaration.Name);
            _parameters[declaration.Name] = parameter;
        }

        return parameter;
    }

    public Declaration Declare(LambdaExpression? alias, Type type)
    {
        if (alias is null)
        {
            return new Declaration($"${++_anonymous}", type);
        }

        if (alias.Body is not MemberExpression { Member: var member })
        {
            throw new ArgumentException($"An alias must be a captured variable, for example '() => customer'; got '{alias}'.", nameof(alias));
        }

        if (_aliases.ContainsKey(member))
        {
            throw new ArgumentException($"Alias '{member.Name}' is declared twice.", nameof(alias));
        }

        var declaration = new Declaration(member.Name, type);
        _aliases[member] = declaration;
        return declaration;
    }

    /// <summary>Rewrites a lambda: its own leading parameters become <paramref name="own"/> (in order), captured aliases become declaration parameters.</summary>
    public LambdaExpression Rewrite(LambdaExpression lambda, params Declaration?[] own)
    {
        var map = new Dictionary<ParameterExpression, Expression>();
        var leading = new List<ParameterExpression>();
        for (var i = 0; i < lambda.Parameters.Count; i++)
        {
            if (i < own.Length && own[i] is { } declaration)
            {
                var parameter = Parameter(declaration);
                map[lambda.Parameters[i]] = parameter.Type == lambda.Parameters[i].Type ? parameter : Expression.Convert(parameter, lambda.Parameters[i].Type);
                leading.Add(parameter);
            }
            else
            {
                leading.Add(lambda.Parameters[i]);
            }
        }

        var used = new List<ParameterExpression>();
        var body = new AliasRewriter(this, map, used).Visit(lambda.Body);
        return Expression.Lambda(body, leading.Concat(used.Except(leading)));
    }

    private sealed class AliasRewriter(DefinitionContext context, Dictionary<ParameterExpression, Expression> map, List<ParameterExpression> used) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => map.TryGetValue(node, out var e) ? e : node;

        protected override Expression VisitMember(MemberExpression node)
        {
            // Inner first: locals of nested scopes live in chained closures (outer closure reached through a field).
            var inner = Visit(node.Expression);
            if (inner is ConstantExpression closure)
            {
                if (context._aliases.TryGetValue(node.Member, out var declaration))
                {
                    var parameter = context.Parameter(declaration);
                    if (!used.Contains(parameter))
                    {
                        used.Add(parameter);
                    }

                    return parameter.Type == node.Type ? parameter : Expression.Convert(parameter, node.Type);
                }

                // Other captured locals are read now, so structurally equal conditions with equal captured values share
                // alpha nodes across rules (the closure object itself differs per rule instance).
                if (node.Member is FieldInfo field && closure.Value is not null
                    && field.DeclaringType?.IsDefined(typeof(CompilerGeneratedAttribute), false) == true)
                {
                    return Expression.Constant(field.GetValue(closure.Value), node.Type);
                }
            }

            return node.Update(inner);
        }
    }
}

/// <summary>A pattern under construction (<c>Having</c> and query operators still add to it).</summary>
internal sealed class PatternDraft(Declaration declaration) : RuleElement
{
    public Declaration Declaration { get; set; } = declaration;

    public List<LambdaExpression> Conditions { get; } = [];

    public BindingElement? Binding { get; set; }

    public AggregateDraft? Aggregate { get; set; }

    public override IReadOnlyList<Declaration> Exports => [Declaration];

    public PatternElement Build() => new(Declaration, Conditions, (PatternSourceElement?)Aggregate?.Build() ?? Binding);
}

internal sealed class AggregateDraft(string name, Type resultType, PatternDraft source)
{
    public string Name { get; } = name;

    public PatternDraft Source() => source;

    public List<NamedExpressionElement> Expressions { get; } = [];

    public AggregateElement Build() => new(Name, resultType, Expressions, source.Build());
}

/// <summary>Runtime side of <c>Yield</c>: keeps one linked fact per yield action and activation.</summary>
internal static class LinkedFacts
{
    public static void Yield<TFact>(IContext context, string key, Func<TFact> create, Func<TFact, TFact>? update)
        where TFact : notnull
    {
        var existing = context.GetLinked(key);
        if (existing is null)
        {
            context.InsertLinked(key, create());
            return;
        }

        var next = update is null ? create() : update((TFact)existing);
        if (FactIdentityComparer.Instance.Equals(next, existing))
        {
            context.UpdateLinked(key, next);
        }
        else
        {
            context.RetractLinked(key, existing);
            context.InsertLinked(key, next);
        }
    }
}
