using System.Globalization;
using System.Linq.Expressions;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.Actions;
using Crm.Engine.RulePacks.Expressions;
using Crm.Engine.RulePacks.Packs;
using Crm.Engine.RulePacks.Schema;
using Crm.Engine.Rules;
using Crm.Engine.Rules.RuleModel;
using Crm.Engine.Rules.RuleModel.Builders;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Crm.Engine.RulePacks.Compilation;

/// <summary>What the engine knows about a compiled pack rule: where it came from and its conditions as written.</summary>
/// <param name="Name">The rule.</param>
/// <param name="File">The pack file.</param>
/// <param name="Conditions">Each compiled condition (a conjunct) and the condition as written in the pack.</param>
internal sealed record PackRuleInfo(string Name, string File, IReadOnlyList<(Expression Conjunct, string Written)> Conditions)
{
    private Dictionary<string, string>? _conditionText;

    /// <summary>Compiled condition text (as the rules engine prints it) → the condition as written; built on first use (explain only).</summary>
    public IReadOnlyDictionary<string, string> ConditionText
    {
        get
        {
            if (_conditionText is null)
            {
                var text = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (conjunct, written) in Conditions)
                {
                    text[conjunct.ToString()] = written;
                }

                _conditionText = text;
            }

            return _conditionText;
        }
    }

    /// <summary>How a pattern's entity-type check reads as written (records of every type share one CLR type).</summary>
    public static string TypeGuardText(string alias, string entityType) => $"{alias} is a {entityType}";

    /// <summary>The entity type a written condition checks for <paramref name="alias"/>, when it is that pattern's type check.</summary>
    public static string? TypeGuardOf(string written, string alias) =>
        written.StartsWith(alias + " is a ", StringComparison.Ordinal) ? written[(alias.Length + " is a ".Length)..] : null;
}

/// <summary>Where a pack uses a business calendar (to load it before evaluations and to check that it exists).</summary>
/// <param name="Key">The calendar's key.</param>
/// <param name="File">The pack file.</param>
/// <param name="Rule">The rule.</param>
/// <param name="Position">Where the calendar is named (or the call that uses the default one).</param>
internal sealed record PackCalendarUse(string Key, string File, string Rule, SourcePosition Position);

/// <summary>Validated and compiled packs: the rule definitions for the rules engine and what explains them.</summary>
internal sealed record CompiledPacks(IReadOnlyList<IRuleDefinition> Definitions, IReadOnlyDictionary<string, PackRuleInfo> Rules, int RuleCount, IReadOnlyList<PackCalendarUse> Calendars)
{
    /// <summary>The keys of the business calendars evaluations need.</summary>
    public IReadOnlyList<string> CalendarKeys { get; } = [.. Calendars.Select(c => c.Key).Distinct(StringComparer.Ordinal)];
}

/// <summary>A bound condition (cached by text and alias types) and the business calendars it uses.</summary>
internal sealed record BoundCondition(LambdaExpression Lambda, IReadOnlyList<CalendarUse> Calendars);

/// <summary>
/// A bound parameter expression (cached by text, expected type and alias types): compiled on first use only, so rules
/// that never fire cost no compilation, and identical parameters of many rules share one delegate.
/// </summary>
internal sealed class BoundValue(Expression<Func<object?[], object?>> lambda, IReadOnlyList<CalendarUse> calendars)
{
    private readonly Lazy<Func<object?[], object?>> _compiled = new(() => lambda.Compile(preferInterpretation: true));

    public IReadOnlyList<CalendarUse> Calendars => calendars;

    public Func<object?[], object?> Evaluate => facts => _compiled.Value(facts);
}

/// <summary>A parameter of a planned action: its name and how to compute its value from the matched facts.</summary>
internal sealed record PlannedParameter(string Name, Func<object?[], object?> Value);

/// <summary>One pack action of one rule, ready to be captured when the rule fires.</summary>
internal sealed record ActionPlan(RuleActionDefinition Action, string RuleName, IReadOnlyList<string> Aliases, IReadOnlyList<PlannedParameter> Parameters);

/// <summary>
/// Validates pack files against a tenant's metadata and the action catalogue and compiles them to the rules engine's
/// model. Reports every error (file, rule, line, column); returns nothing if there is any.
/// </summary>
internal sealed class PackCompiler(FactSchema schema, IRuleActionCatalog catalog)
{
    private const string ContextName = "__context";

    public CompiledPacks? Compile(IEnumerable<(string File, string Text)> packs, IReadOnlyCollection<string> reservedRuleNames, List<RulePackError> errors)
    {
        var definitions = new List<IRuleDefinition>();
        var infos = new Dictionary<string, PackRuleInfo>(StringComparer.Ordinal);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var errorCount = errors.Count;
        var ruleCount = 0;
        var calendars = new List<PackCalendarUse>();
        foreach (var (file, text) in packs)
        {
            var document = PackReader.Read(text, file, errors);
            if (document is null)
            {
                continue;
            }

            foreach (var rule in document.Rules)
            {
                if (reservedRuleNames.Contains(rule.Name))
                {
                    Error(errors, file, rule.Name, rule.Position, $"a rule named '{rule.Name}' is already registered by a module; choose another name.");
                }
                else if (!seen.TryAdd(rule.Name, file))
                {
                    Error(errors, file, rule.Name, rule.Position, $"duplicate rule name '{rule.Name}' (also in {seen[rule.Name]}); rule names must be unique in a tenant.");
                }

                var compiled = new RuleCompilation(this, document, rule, errors, calendars).Compile();
                if (compiled is { } c && rule.Enabled)
                {
                    definitions.Add(c.Definition);
                    infos[rule.Name] = c.Info;
                    ruleCount++;
                }
            }
        }

        if (errors.Count > errorCount)
        {
            return null;
        }

        return new CompiledPacks(definitions, infos, ruleCount, calendars);
    }

    private static void Error(List<RulePackError> errors, string file, string? rule, SourcePosition at, string message) =>
        errors.Add(new RulePackError(file, rule, at.Line, at.Column, message));

    /// <summary>The compilation of one rule: its scope of aliases grows pattern by pattern.</summary>
    private sealed class RuleCompilation(PackCompiler owner, PackDocument document, RuleSpec rule, List<RulePackError> errors, List<PackCalendarUse> calendars)
    {
        private readonly Dictionary<string, FactShape> _scope = new(StringComparer.Ordinal);
        private readonly List<(string Alias, FactShape Shape)> _positive = [];
        private readonly List<(Expression Conjunct, string Written)> _conditionText = [];

        // Aliases whose pattern already has an error: later references to them are not reported again.
        private readonly HashSet<string> _broken = new(StringComparer.Ordinal);
        private bool _failed;

        public (IRuleDefinition Definition, PackRuleInfo Info)? Compile()
        {
            var builder = new RuleBuilder();
            builder.Name(rule.Name);
            builder.Description(rule.Description);
            builder.Priority(rule.Priority);
            builder.Tags([.. rule.Tags, $"pack:{document.FileName}"]);
            builder.Repeatability(RuleRepeatability.NonRepeatable);
            var lhs = builder.LeftHandSide();
            foreach (var element in rule.When)
            {
                CompileElement(lhs, element);
            }

            if (rule.When.Count > 0 && rule.When.All(e => e.Kind != ElementKind.Match))
            {
                Error(rule.Position, "the rule needs at least one 'match' pattern (not only 'not'/'exists').");
            }

            var plans = new List<ActionPlan>();
            foreach (var action in rule.Then)
            {
                if (CompileAction(action) is { } plan)
                {
                    plans.Add(plan);
                }
            }

            if (_failed)
            {
                return null;
            }

            // One action per rule, the same expression for every rule with the same aliases: the rules engine compiles
            // it once; the rule's plans travel as a rule property.
            builder.Property(ActionCollector.PlansProperty, plans);
            builder.RightHandSide().Action(owner.CaptureAction(_positive));

            return (builder.Build(), new PackRuleInfo(rule.Name, document.FileName, _conditionText));
        }

        private void CompileElement(GroupBuilder lhs, ElementSpec element)
        {
            var shape = owner._schema.Find(element.Type);
            if (shape is null)
            {
                _broken.Add(element.Alias);
                Error(element.TypePosition, $"unknown fact type '{element.Type}'{Suggest.Hint(element.Type, owner._schema.TypeNames)}. A pattern matches an entity by API name or an event (DeadlineReached).");
                return;
            }

            if (!IsIdentifier(element.Alias) || element.Alias is "and" or "or" or "not" or "in" or "is" or "true" or "false" or "null")
            {
                Error(element.AliasPosition, $"'{element.Alias}' cannot be an alias: use letters, digits and '_', starting with a letter, and not a keyword.");
                return;
            }

            if (_scope.ContainsKey(element.Alias))
            {
                Error(element.AliasPosition, $"alias '{element.Alias}' is used twice in this rule; give the second pattern another name with 'as'.");
                return;
            }

            var pattern = element.Kind switch
            {
                ElementKind.Not => lhs.Not().Pattern(shape.ClrType, element.Alias),
                ElementKind.Exists => lhs.Exists().Pattern(shape.ClrType, element.Alias),
                _ => lhs.Pattern(shape.ClrType, element.Alias),
            };
            if (shape.IsRecord)
            {
                var typeCondition = owner.TypeCondition(element.Alias, shape.Name);
                pattern.Condition(typeCondition);
                foreach (var conjunct in Conjuncts(typeCondition.Body))
                {
                    _conditionText.Add((conjunct, PackRuleInfo.TypeGuardText(element.Alias, shape.Name)));
                }
            }

            _scope[element.Alias] = shape;
            foreach (var where in element.Where)
            {
                if (owner.BindCondition(where, _scope, element.Alias, out var error) is { } bound)
                {
                    var condition = bound.Lambda;
                    UseCalendars(bound.Calendars, where, 0);
                    pattern.Condition(condition);
                    foreach (var conjunct in Conjuncts(condition.Body))
                    {
                        _conditionText.Add((conjunct, where.Text.Trim()));
                    }
                }
                else if (!_broken.Any(b => error!.Value.Message.StartsWith($"unknown name '{b}'", StringComparison.Ordinal)))
                {
                    Error(error!.Value.Position, error.Value.Message);
                }
                else
                {
                    _failed = true;
                }
            }

            if (element.Kind == ElementKind.Match)
            {
                _positive.Add((element.Alias, shape));
            }
            else
            {
                // An alias of a not/exists pattern exists only inside it.
                _scope.Remove(element.Alias);
            }
        }

        private ActionPlan? CompileAction(ActionSpec spec)
        {
            var action = owner._catalog.Find(spec.Name);
            if (action is null)
            {
                Error(spec.Position, $"unknown action '{spec.Name}'{Suggest.Hint(spec.Name, owner._catalog.Actions.Select(a => a.Name))}. See the catalogue with 'crm rules actions'.");
                return null;
            }

            var parameters = new List<PlannedParameter>();
            var given = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in spec.Parameters)
            {
                var declared = action.Parameters.FirstOrDefault(d => d.Name == p.Name);
                if (declared is null)
                {
                    Error(p.Position, $"action '{action.Name}' has no parameter '{p.Name}'{Suggest.Hint(p.Name, action.Parameters.Select(d => d.Name))}.");
                    continue;
                }

                if (!given.Add(p.Name))
                {
                    Error(p.Position, $"parameter '{p.Name}' is given twice.");
                    continue;
                }

                if (CompileParameter(declared, p) is { } planned)
                {
                    parameters.Add(planned);
                }
            }

            foreach (var missing in action.Parameters.Where(d => d.Required && !given.Contains(d.Name)))
            {
                Error(spec.Position, $"action '{action.Name}' needs parameter '{missing.Name}' ({missing.Type.ToString().ToLowerInvariant()}): {missing.Description}");
            }

            if (action.Name == "setField")
            {
                CheckSetField(spec);
            }

            return new ActionPlan(action, rule.Name, [.. _positive.Select(p => p.Alias)], parameters);
        }

        // setField's field must exist on the record's entity: catch the typo at validation, not at run time.
        private void CheckSetField(ActionSpec spec)
        {
            var record = spec.Parameters.FirstOrDefault(p => p.Name == "record")?.Value as YamlScalarNode;
            var field = spec.Parameters.FirstOrDefault(p => p.Name == "field")?.Value as YamlScalarNode;
            if (record?.Value is { } alias && field?.Value is { } name && !name.StartsWith('=')
                && _positive.FirstOrDefault(p => p.Alias == alias).Shape is { IsRecord: true } shape && !shape.Fields.ContainsKey(name))
            {
                Error(SourcePosition.Of(field), $"'{name}' is not a field of {shape.Name}{Suggest.Hint(name, shape.Fields.Keys)}.");
            }
        }

        private PlannedParameter? CompileParameter(RuleActionParameter declared, ParameterSpec p)
        {
            var at = SourcePosition.Of(p.Value);
            if (declared.Type == RuleParameterType.TextList)
            {
                if (p.Value is YamlSequenceNode list && list.All(i => i is YamlScalarNode) && list.Children.Count <= ExpressionLimits.MaxListItems)
                {
                    IReadOnlyList<string> items = [.. list.Select(i => ((YamlScalarNode)i).Value ?? string.Empty)];
                    return new PlannedParameter(p.Name, _ => items);
                }

                Error(at, $"parameter '{p.Name}' is a list of texts (at most {ExpressionLimits.MaxListItems}), e.g. [salesManager, qualityManager].");
                return null;
            }

            if (p.Value is not YamlScalarNode scalar || scalar.Value is null)
            {
                Error(at, $"parameter '{p.Name}' must be a single value ({Describe(declared.Type)}).");
                return null;
            }

            var text = scalar.Value;
            var plain = scalar.Style is ScalarStyle.Plain or ScalarStyle.Any;
            if (declared.Type == RuleParameterType.Record)
            {
                var index = _positive.FindIndex(x => x.Alias == text);
                if (_broken.Contains(text))
                {
                    _failed = true;
                    return null;
                }

                if (index < 0 || !_positive[index].Shape.IsRecord)
                {
                    Error(at, $"parameter '{p.Name}' names a matched record by its alias; '{text}' is not one{Suggest.Hint(text, _positive.Where(x => x.Shape.IsRecord).Select(x => x.Alias))}.");
                    return null;
                }

                return new PlannedParameter(p.Name, facts => facts[index]);
            }

            var isExpression = text.StartsWith('=');
            if (!isExpression)
            {
                object? literal = declared.Type switch
                {
                    RuleParameterType.Text => text,
                    RuleParameterType.Number when decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) => d,
                    RuleParameterType.Bool when text is "true" or "false" => text == "true",
                    RuleParameterType.Any when !plain => text,
                    RuleParameterType.Any when text is "true" or "false" => text == "true",
                    RuleParameterType.Any when text is "null" or "~" => null,
                    RuleParameterType.Any when decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) => d,
                    RuleParameterType.Any => text,
                    _ => System.Reflection.Missing.Value,
                };
                if (literal != System.Reflection.Missing.Value)
                {
                    return new PlannedParameter(p.Name, _ => literal);
                }

                if (declared.Type is RuleParameterType.Number or RuleParameterType.Bool)
                {
                    // Not a literal of the type: read it as an expression (e.g. 'case.amount * 2').
                    isExpression = true;
                    text = "=" + text;
                }
            }

            var source = new ExpressionSource(scalar.Value, at, scalar.Style, document.Lines);
            var expressionText = isExpression ? text[1..] : text;
            var shift = isExpression && scalar.Value.StartsWith('=') ? 1 : 0;
            var expected = declared.Type switch
            {
                RuleParameterType.Text => typeof(string),
                RuleParameterType.Number => typeof(decimal?),
                RuleParameterType.Bool => typeof(bool?),
                RuleParameterType.DateTime => typeof(DateTimeOffset?),
                RuleParameterType.Duration or RuleParameterType.BusinessDuration => typeof(TimeSpan?),
                _ => null,
            };
            var compiled = owner.BindValue(expressionText, _positive, expected, out var used, out var error);
            if (compiled is null)
            {
                var pos = source.At(error!.Value.Offset + shift);
                Error(pos, $"parameter '{p.Name}': {error.Value.Message}");
                return null;
            }

            UseCalendars(used, source, shift);

            if (declared.Type == RuleParameterType.BusinessDuration)
            {
                // Business time keeps the unit as written: days(2) is 2 business days, hours(48) is 48 working hours.
                var inDays = Binder.IsInDays(Expressions.Parser.Parse(expressionText));
                var span = compiled;
                compiled = facts => span(facts) is TimeSpan value ? ToBusinessDuration(value, inDays) : null;
            }

            return new PlannedParameter(p.Name, compiled);
        }

        // A whole number of days written in days is business days; a fraction of a day (days(1.5)) is working time.
        private static BusinessDuration ToBusinessDuration(TimeSpan value, bool inDays) =>
            inDays && value >= TimeSpan.Zero && value.Ticks % TimeSpan.TicksPerDay == 0
                ? BusinessDuration.FromBusinessDays((int)value.TotalDays)
                : BusinessDuration.FromWorkingTime(value);

        private static string Describe(RuleParameterType type) => type switch
        {
            RuleParameterType.Text => "text",
            RuleParameterType.Number => "a number",
            RuleParameterType.Bool => "true or false",
            RuleParameterType.DateTime => "an instant expression",
            RuleParameterType.Duration => "a duration such as days(2)",
            RuleParameterType.BusinessDuration => "business time such as days(2) or hours(48)",
            RuleParameterType.Record => "the alias of a matched record",
            _ => "a value",
        };

        private void UseCalendars(IReadOnlyList<CalendarUse> uses, ExpressionSource source, int shift)
        {
            foreach (var use in uses)
            {
                calendars.Add(new PackCalendarUse(use.Key, document.FileName, rule.Name, source.At(use.Offset + shift)));
            }
        }

        private static bool IsIdentifier(string s) => s.Length is > 0 and <= 64 && char.IsAsciiLetter(s[0]) && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

        private void Error(SourcePosition at, string message)
        {
            _failed = true;
            errors.Add(new RulePackError(document.FileName, rule.Name, at.Line, at.Column, message));
        }
    }

    private readonly FactSchema _schema = schema;
    private readonly IRuleActionCatalog _catalog = catalog;

    private LambdaExpression TypeCondition(string alias, string entityType) =>
        _schema.BoundCache.GetOrAdd($"\u0001type|{alias}|{entityType}", _ =>
        {
            var record = Expression.Parameter(typeof(CrmRecord), alias);
            return new BoundCondition(Expression.Lambda(Expression.Equal(Expression.Property(record, nameof(CrmRecord.EntityType)), Expression.Constant(entityType)), record), []);
        }).Lambda;

    private BoundCondition? BindCondition(ExpressionSource source, Dictionary<string, FactShape> scope, string own, out (SourcePosition Position, string Message)? error)
    {
        error = null;
        var key = $"{source.Text}\u0001{own}\u0001{string.Join(',', scope.Select(s => $"{s.Key}:{s.Value.Name}"))}";
        if (_schema.BoundCache.TryGetValue(key, out var cached))
        {
            return cached;
        }

        try
        {
            var node = Expressions.Parser.Parse(source.Text);
            var parameters = new Dictionary<string, ParameterExpression>(StringComparer.Ordinal);
            var binder = new Binder(scope, (alias, shape) => parameters.TryGetValue(alias, out var p) ? p : parameters[alias] = Expression.Parameter(shape.ClrType, alias));
            var body = binder.BindCondition(node);
            if (!binder.UsedAliases.Contains(own))
            {
                // A condition must constrain its own pattern, or the engine could not place it.
                throw new ExpressionException($"this condition does not use '{own}', the alias of its pattern; move it to the pattern of the alias it tests.", 0);
            }

            var bound = new BoundCondition(Expression.Lambda(body, binder.UsedAliases.Select(a => parameters[a])), binder.Calendars);
            _schema.BoundCache.TryAdd(key, bound);
            return bound;
        }
        catch (ExpressionException ex)
        {
            error = (source.At(ex.Offset), ex.Message);
            return null;
        }
    }

    private LambdaExpression CaptureAction(IReadOnlyList<(string Alias, FactShape Shape)> aliases) =>
        _schema.BoundCache.GetOrAdd($"\u0001action|{string.Join(',', aliases.Select(a => $"{a.Alias}:{a.Shape.ClrType.Name}"))}", _ =>
        {
            var context = Expression.Parameter(typeof(IContext), ContextName);
            var factParameters = aliases.Select(p => Expression.Parameter(p.Shape.ClrType, p.Alias)).ToList();
            var body = Expression.Call(
                typeof(ActionCollector).GetMethod(nameof(ActionCollector.Capture))!,
                context,
                Expression.NewArrayInit(typeof(object), factParameters.Select(f => Expression.Convert(f, typeof(object)))));
            return new BoundCondition(Expression.Lambda(body, [context, .. factParameters]), []);
        }).Lambda;

    private Func<object?[], object?>? BindValue(string text, IReadOnlyList<(string Alias, FactShape Shape)> aliases, Type? expected, out IReadOnlyList<CalendarUse> calendars, out (int Offset, string Message)? error)
    {
        error = null;
        calendars = [];
        // The full type name: every nullable type's Name is "Nullable`1", so number and duration values would share a key.
        var key = $"{text}\u0001{expected?.FullName}\u0001{string.Join(',', aliases.Select(a => $"{a.Alias}:{a.Shape.Name}"))}";
        if (_schema.ValueCache.TryGetValue(key, out var cached))
        {
            calendars = cached.Calendars;
            return cached.Evaluate;
        }

        try
        {
            var node = Expressions.Parser.Parse(text);
            var facts = Expression.Parameter(typeof(object[]), "facts");
            var scope = aliases.ToDictionary(a => a.Alias, a => a.Shape, StringComparer.Ordinal);
            var index = aliases.Select((a, i) => (a.Alias, i)).ToDictionary(x => x.Alias, x => x.i, StringComparer.Ordinal);
            var binder = new Binder(scope, (alias, shape) => Expression.Convert(Expression.ArrayIndex(facts, Expression.Constant(index[alias])), shape.ClrType));
            var body = binder.Bind(node);
            calendars = binder.Calendars;
            if (body is ConstantExpression { Value: null } && body.Type == typeof(object))
            {
                return static _ => null;
            }

            if (expected is not null && body.Type != expected && !(expected == typeof(string) && body.Type != typeof(bool?)))
            {
                if (!(body.Type.IsValueType && Nullable.GetUnderlyingType(body.Type) is null && typeof(Nullable<>).MakeGenericType(body.Type) == expected))
                {
                    throw new ExpressionException($"expected a {Binder.TypeName(expected)}, but the expression gives a {Binder.TypeName(body.Type)}.", 0);
                }
            }

            Expression result = Expression.Convert(body, typeof(object));
            if (expected == typeof(string) && body.Type != typeof(string))
            {
                result = Expression.Call(typeof(Convert).GetMethod(nameof(Convert.ToString), [typeof(object), typeof(IFormatProvider)])!, result, Expression.Constant(CultureInfo.InvariantCulture, typeof(IFormatProvider)));
            }

            // Interpreted, on first use: parameters are evaluated once per firing, and a 1,000-rule pack is spared 1,000
            // compilations (most rules of a big pack never fire in a given process).
            var bound = _schema.ValueCache.GetOrAdd(key, new BoundValue(Expression.Lambda<Func<object?[], object?>>(result, facts), binder.Calendars));
            return bound.Evaluate;
        }
        catch (ExpressionException ex)
        {
            error = (ex.Offset, ex.Message);
            return null;
        }
    }

    private static IEnumerable<Expression> Conjuncts(Expression body) =>
        body is BinaryExpression { NodeType: ExpressionType.AndAlso } and ? Conjuncts(and.Left).Concat(Conjuncts(and.Right)) : [body];
}
