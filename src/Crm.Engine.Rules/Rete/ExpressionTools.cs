using System.Linq.Expressions;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Crm.Engine.Rules.Rete;

/// <summary>Structural identity of a lambda: same shape, same constants, parameters compared by position and type only.</summary>
internal sealed class ExpressionKey : IEquatable<ExpressionKey>
{
    private readonly string _text;
    private readonly object?[] _constants;

    // Where the non-null literals are in the text, and their values (in tree order, as ConstantLifter lifts them).
    private readonly List<(int Start, int End)>? _spans;
    private readonly bool _liftable;
    private ExpressionKey? _shape;

    public ExpressionKey(LambdaExpression lambda)
    {
        var constants = new List<object?>();
        var sb = new StringBuilder();
        var writer = new KeyWriter(lambda.Parameters, sb, constants);
        writer.Visit(lambda.Body);
        sb.Append("=>");
        foreach (var p in lambda.Parameters)
        {
            sb.Append(KeyWriter.TypeId(p.Type)).Append(',');
        }
        _text = sb.ToString();
        _constants = [.. constants];
        _spans = writer.LiteralSpans;
        Literals = writer.LiteralValues is { } values ? [.. values] : [];
        _liftable = lambda.Parameters.Count == 1 && Literals.Length > 0 && !writer.HasQuote;
    }

    private ExpressionKey(string text, object?[] constants)
    {
        _text = text;
        _constants = constants;
        Literals = [];
    }

    /// <summary>The non-null literal values, in the order <see cref="CompiledExpression.Lift"/> lifts them.</summary>
    public object?[] Literals { get; }

    /// <summary>Whether the lambda holds constants that are not literals (captured objects, compared by reference).</summary>
    public bool HasObjectConstants => _constants.Length > 0;

    /// <summary>
    /// The key of the lambda's lifted template (see <see cref="CompiledExpression.Lift"/>): this key with the literals
    /// left out, so lambdas that differ only in literals share it. Null when the lambda is not lifted.
    /// </summary>
    public ExpressionKey? Shape
    {
        get
        {
            if (!_liftable)
            {
                return null;
            }

            if (_shape is null)
            {
                var sb = new StringBuilder(_text.Length);
                var at = 0;
                foreach (var (start, end) in _spans!)
                {
                    sb.Append(_text, at, start - at).Append('?');
                    at = end;
                }

                sb.Append(_text, at, _text.Length - at);
                _shape = new ExpressionKey(sb.ToString(), _constants);
            }

            return _shape;
        }
    }

    public bool Equals(ExpressionKey? other) =>
        other is not null && _text == other._text && _constants.Length == other._constants.Length
        && _constants.Zip(other._constants).All(p => ReferenceEquals(p.First, p.Second));

    public override bool Equals(object? obj) => Equals(obj as ExpressionKey);

    public override int GetHashCode() => _text.GetHashCode(StringComparison.Ordinal);

    public override string ToString() => _text;

    // Writes the tree with positional parameter names; literal constants go into the text (so different values
    // give different keys), other constants are compared by reference (a captured object is shared only when it
    // is the very same instance).
    private sealed class KeyWriter(IReadOnlyList<ParameterExpression> parameters, StringBuilder sb, List<object?> constants) : ExpressionVisitor
    {
        public List<(int Start, int End)>? LiteralSpans { get; private set; }

        public List<object?>? LiteralValues { get; private set; }

        public bool HasQuote { get; private set; }

        public override Expression? Visit(Expression? node)
        {
            if (node is null)
            {
                sb.Append("null;");
                return node;
            }

            sb.Append('(').Append((int)node.NodeType).Append(':').Append(TypeId(node.Type)).Append(' ');
            var result = base.Visit(node);
            sb.Append(')');
            return result;
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            var index = -1;
            for (var i = 0; i < parameters.Count; i++)
            {
                if (parameters[i] == node)
                {
                    index = i;
                }
            }

            sb.Append(index >= 0 ? $"$p{index}" : $"$local:{node.Name}");
            return node;
        }

        protected override Expression VisitConstant(ConstantExpression node)
        {
            if (CompiledExpression.IsLiteral(node.Value))
            {
                // Length-prefixed so that no literal (say, a string from a rule pack) can imitate the surrounding structure.
                var text = Convert.ToString(node.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "null";
                var start = sb.Length;
                sb.Append('\'').Append(text.Length).Append(':').Append(text).Append('\'');
                if (node.Value is not null)
                {
                    // A literal the lifter will lift (it leaves null alone): marked so the shape key can leave it out.
                    (LiteralSpans ??= []).Add((start, sb.Length));
                    (LiteralValues ??= []).Add(node.Value);
                }
            }
            else
            {
                sb.Append("#c").Append(constants.Count);
                constants.Add(node.Value);
            }

            return node;
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            sb.Append(MemberName(node.Member)).Append(' ');
            return base.VisitMember(node);
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            sb.Append(MemberName(node.Method)).Append(' ');
            return base.VisitMethodCall(node);
        }

        protected override Expression VisitUnary(UnaryExpression node)
        {
            if (node.Method is not null)
            {
                sb.Append(MemberName(node.Method));
            }

            if (node.NodeType == ExpressionType.Quote)
            {
                // As the lifter: a quoted tree must stay as written, so such a lambda is not lifted.
                HasQuote = true;
            }

            return base.VisitUnary(node);
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            if (node.Method is not null)
            {
                sb.Append(MemberName(node.Method));
            }

            return base.VisitBinary(node);
        }

        protected override Expression VisitNew(NewExpression node)
        {
            sb.Append(node.Constructor is null ? "new" : MemberName(node.Constructor)).Append(' ');
            return base.VisitNew(node);
        }

        protected override Expression VisitLambda<T>(Expression<T> node)
        {
            sb.Append("lambda ");
            foreach (var p in node.Parameters)
            {
                sb.Append(TypeId(p.Type)).Append(' ').Append(p.Name).Append(',');
            }
            return base.VisitLambda(node);
        }

        protected override Expression VisitTypeBinary(TypeBinaryExpression node)
        {
            sb.Append(TypeId(node.TypeOperand));
            return base.VisitTypeBinary(node);
        }

        protected override MemberBinding VisitMemberBinding(MemberBinding node)
        {
            sb.Append(MemberName(node.Member));
            return base.VisitMemberBinding(node);
        }

        // Keys are built for every node of every condition of every rule, and compared as text: a type is written as a
        // short number given once per process (a generic type's full name runs to hundreds of characters).
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> TypeIds = new();

        public static string TypeId(Type type) =>
            TypeIds.TryGetValue(type, out var id) ? id : TypeIds.GetOrAdd(type, static _ => "T" + Interlocked.Increment(ref _typeCount).ToString(System.Globalization.CultureInfo.InvariantCulture));

        private static int _typeCount;

        // A member's name is formatted once per process.
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<MemberInfo, string> MemberNames = new();

        // A generic method's instantiations share its metadata token: their type arguments are part of the name.
        private static string MemberName(MemberInfo member) =>
            MemberNames.TryGetValue(member, out var name) ? name : MemberNames.GetOrAdd(member, static m =>
                $"{m.DeclaringType?.FullName}.{m.Name}#{m.MetadataToken}/{RuntimeHelpers.GetHashCode(m.Module)}"
                + (m is MethodInfo { IsGenericMethod: true } generic ? "<" + string.Join(",", generic.GetGenericArguments().Select(TypeId)) + ">" : string.Empty));
    }
}

/// <summary>A lambda compiled once to a delegate over boxed arguments.</summary>
internal sealed class CompiledExpression
{
    // Exactly one delegate is compiled per expression: single-parameter lambdas (most conditions and join keys) get a
    // direct one-argument delegate, the others one over an argument array. Boolean lambdas (conditions) return bool
    // unboxed, so testing a condition allocates nothing.
    // A lambda that is not lifted is compiled on first use: a rule base holds many expressions that a given process
    // never evaluates (explain texts' conditions, the actions of rules that never fire), and compiling one costs far
    // more than building the network around it. Racing first uses may both compile; either result is correct.
    private Func<object?[], object?>? _invoke;
    private Func<object?, object?>? _invoke1;
    private Func<object?[], bool>? _test;
    private Func<object?, bool>? _test1;
    private Func<object?, object?, object?>? _invoke2;
    private volatile bool _pending;

    // Lifted form of a one-parameter lambda: a delegate shared by every lambda of the same shape, taking the
    // literal constants as an array (see ConstantLifter).
    private readonly Func<object?, object?[], bool>? _liftedTest1;
    private readonly Func<object?, object?[], object?>? _liftedInvoke1;
    private readonly object?[] _constants = [];

    /// <summary>A one-parameter lambda whose literal constants were lifted into <paramref name="constants"/> of a shared delegate.</summary>
    public CompiledExpression(LambdaExpression lambda, Delegate lifted, object?[] constants)
    {
        Lambda = lambda;
        IsUnary = true;
        _constants = constants;
        _liftedTest1 = lifted as Func<object?, object?[], bool>;
        _liftedInvoke1 = lifted as Func<object?, object?[], object?>;
        if (_liftedTest1 is not null)
        {
            _test1 = Lifted1;
        }
        else
        {
            _invoke1 = LiftedInvoke1;
        }
    }

    public CompiledExpression(LambdaExpression lambda)
    {
        Lambda = lambda;
        IsUnary = lambda.Parameters.Count == 1;
        IsBinary = lambda.Parameters.Count == 2 && lambda.ReturnType != typeof(bool);
        _pending = true;
    }

    private void CompileNow()
    {
        var lambda = Lambda;
        var isBool = lambda.ReturnType == typeof(bool);
        if (lambda.Parameters.Count == 1)
        {
            var arg = Expression.Parameter(typeof(object), "arg");
            var body1 = new Replacer(new Dictionary<ParameterExpression, Expression> { [lambda.Parameters[0]] = Expression.Convert(arg, lambda.Parameters[0].Type) }).Visit(lambda.Body);
            if (isBool)
            {
                _test1 = Expression.Lambda<Func<object?, bool>>(body1, arg).Compile();
            }
            else
            {
                _invoke1 = Expression.Lambda<Func<object?, object?>>(Box(body1), arg).Compile();
            }

            _pending = false;
            return;
        }

        if (lambda.Parameters.Count == 2 && !isBool)
        {
            // Actions (context, fact) and two-parameter selectors: a direct delegate, no argument array.
            var a0 = Expression.Parameter(typeof(object), "arg0");
            var a1 = Expression.Parameter(typeof(object), "arg1");
            var body2 = new Replacer(new Dictionary<ParameterExpression, Expression>
            {
                [lambda.Parameters[0]] = Expression.Convert(a0, lambda.Parameters[0].Type),
                [lambda.Parameters[1]] = Expression.Convert(a1, lambda.Parameters[1].Type),
            }).Visit(lambda.Body);
            _invoke2 = Expression.Lambda<Func<object?, object?, object?>>(Box(body2), a0, a1).Compile();
            _pending = false;
            return;
        }

        var args = Expression.Parameter(typeof(object[]), "args");
        var map = lambda.Parameters.Select((p, i) => (p, (Expression)Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.Type)))
            .ToDictionary(x => x.p, x => x.Item2);
        var body = new Replacer(map).Visit(lambda.Body);
        if (isBool)
        {
            _test = Expression.Lambda<Func<object?[], bool>>(body, args).Compile();
        }
        else
        {
            _invoke = Expression.Lambda<Func<object?[], object?>>(Box(body), args).Compile();
        }

        _pending = false;
    }

    public LambdaExpression Lambda { get; }

    /// <summary>Whether the lambda has exactly one parameter (then <see cref="Invoke1"/> and <see cref="Test1"/> need no argument array).</summary>
    public bool IsUnary { get; }

    /// <summary>Whether the lambda is a two-parameter non-boolean one (then <see cref="Invoke2"/> needs no argument array).</summary>
    public bool IsBinary { get; }

    public object? Invoke2(object? arg0, object? arg1)
    {
        Ensure();
        return _invoke2 is not null ? _invoke2(arg0, arg1) : Invoke([arg0, arg1]);
    }

    public object? Invoke(object?[] args)
    {
        Ensure();
        return _invoke2 is not null ? _invoke2(args[0], args[1])
            : _invoke1 is not null ? _invoke1(args[0])
            : _test1 is not null ? _test1(args[0])
            : _test is not null ? _test(args)
            : _invoke!(args);
    }

    public object? Invoke1(object? arg)
    {
        Ensure();
        return _invoke1 is not null ? _invoke1(arg)
            : _test1 is not null ? _test1(arg)
            : Invoke([arg]);
    }

    /// <summary>Whether the expression yields <see langword="true"/> (same as <c>Invoke(args) is true</c>).</summary>
    public bool Test(object?[] args)
    {
        Ensure();
        return _test is not null ? _test(args)
            : _test1 is not null ? _test1(args[0])
            : Invoke(args) is true;
    }

    /// <summary>Whether the single-argument expression yields <see langword="true"/> (same as <c>Invoke1(arg) is true</c>).</summary>
    public bool Test1(object? arg)
    {
        if (_liftedTest1 is not null)
        {
            return _liftedTest1(arg, _constants);
        }

        Ensure();
        return _test1 is not null ? _test1(arg)
            : _test is not null ? _test([arg])
            : Invoke1(arg) is true;
    }

    private void Ensure()
    {
        if (_pending)
        {
            CompileNow();
        }
    }

    /// <summary>
    /// The lifted template of a one-parameter lambda: <c>(object arg, object[] constants) =&gt; body</c>, where every
    /// literal constant (string, number, enum, date…) is read from the array. Lambdas that differ only in such
    /// constants (the thresholds and codes of many similar rules) share one template, compiled once. Null when the
    /// lambda has no literal constant or contains a quoted expression (whose tree must stay as written).
    /// </summary>
    public static (LambdaExpression Template, object?[] Constants)? Lift(LambdaExpression lambda)
    {
        if (lambda.Parameters.Count != 1)
        {
            return null;
        }

        var arg = Expression.Parameter(typeof(object), "arg");
        var constants = Expression.Parameter(typeof(object[]), "constants");
        var lifter = new ConstantLifter(constants);
        var body = lifter.Visit(new Replacer(new Dictionary<ParameterExpression, Expression> { [lambda.Parameters[0]] = Expression.Convert(arg, lambda.Parameters[0].Type) }).Visit(lambda.Body));
        if (lifter.Values.Count == 0 || lifter.HasQuote)
        {
            return null;
        }

        var template = lambda.ReturnType == typeof(bool)
            ? Expression.Lambda<Func<object?, object?[], bool>>(body, arg, constants)
            : (LambdaExpression)Expression.Lambda<Func<object?, object?[], object?>>(Box(body), arg, constants);
        return (template, [.. lifter.Values]);
    }

    /// <summary>Whether a constant is a literal (as <see cref="ExpressionKey"/> writes literals into its text).</summary>
    public static bool IsLiteral(object? value) =>
        value is null or string or decimal or DateTime or DateTimeOffset or Guid or TimeSpan or Enum
            or bool or char or sbyte or byte or short or ushort or int or uint or long or ulong or float or double or nint or nuint;

    private bool Lifted1(object? arg) => _liftedTest1!(arg, _constants);

    private object? LiftedInvoke1(object? arg) => _liftedInvoke1!(arg, _constants);

    private static Expression Box(Expression body) =>
        body.Type == typeof(void) ? Expression.Block(body, Expression.Constant(null)) : Expression.Convert(body, typeof(object));
}

/// <summary>Replaces non-null literal constants by reads from an array parameter, collecting their values in order.</summary>
internal sealed class ConstantLifter(ParameterExpression array) : ExpressionVisitor
{
    public List<object?> Values { get; } = [];

    public bool HasQuote { get; private set; }

    protected override Expression VisitConstant(ConstantExpression node)
    {
        if (node.Value is null || !CompiledExpression.IsLiteral(node.Value))
        {
            return node;
        }

        Values.Add(node.Value);
        return Expression.Convert(Expression.ArrayIndex(array, Expression.Constant(Values.Count - 1)), node.Type);
    }

    protected override Expression VisitUnary(UnaryExpression node)
    {
        if (node.NodeType == ExpressionType.Quote)
        {
            HasQuote = true;
            return node;
        }

        return base.VisitUnary(node);
    }
}

internal sealed class Replacer(IReadOnlyDictionary<ParameterExpression, Expression> map) : ExpressionVisitor
{
    protected override Expression VisitParameter(ParameterExpression node) => map.TryGetValue(node, out var e) ? e : node;
}

internal static class ExpressionTools
{
    /// <summary>Parameters of <paramref name="lambda"/> that <paramref name="part"/> references, in parameter order.</summary>
    public static IReadOnlyList<ParameterExpression> UsedParameters(LambdaExpression lambda, Expression part)
    {
        var used = new HashSet<ParameterExpression>();
        new ParameterCollector(used).Visit(part);
        return [.. lambda.Parameters.Where(used.Contains)];
    }

    // Conjuncts of a lambda, kept as long as the lambda lives: a rule pack's conditions are cached by their text (see
    // the pack compiler), so rebuilding a tenant's rule base meets the same lambdas, and the same conjunct instances
    // then find their keys and compiled delegates again (see NetworkBuilder).
    private static readonly ConditionalWeakTable<LambdaExpression, LambdaExpression[]> ConjunctCache = new();

    /// <summary>
    /// Splits a boolean lambda at top-level <c>&amp;&amp;</c> into lambdas over only the parameters each part uses. The
    /// same lambda instance always gives the same conjunct instances (expression trees are immutable).
    /// </summary>
    public static IReadOnlyList<LambdaExpression> Conjuncts(LambdaExpression lambda)
    {
        if (ConjunctCache.TryGetValue(lambda, out var cached))
        {
            return cached;
        }

        var parts = new List<Expression>();
        Split(lambda.Body, parts);
        LambdaExpression[] conjuncts = parts.Count == 1 && UsedParameters(lambda, lambda.Body).Count == lambda.Parameters.Count
            ? [lambda] // already one conjunct over exactly its parameters: the lambda itself (no new tree, same identity)
            : [.. parts.Select(p => Expression.Lambda(p, UsedParameters(lambda, p)))];
        return ConjunctCache.GetValue(lambda, _ => conjuncts);
    }

    /// <summary>Re-parameterizes a lambda so parameters with the same name share one <see cref="ParameterExpression"/> (declarations are matched by name).</summary>
    public static LambdaExpression Rename(LambdaExpression lambda, string fromName, ParameterExpression to)
    {
        var map = new Dictionary<ParameterExpression, Expression>();
        var parameters = new List<ParameterExpression>();
        foreach (var p in lambda.Parameters)
        {
            if (p.Name == fromName)
            {
                map[p] = p.Type == to.Type ? to : Expression.Convert(to, p.Type);
                parameters.Add(to);
            }
            else
            {
                parameters.Add(p);
            }
        }

        return Expression.Lambda(new Replacer(map).Visit(lambda.Body), parameters);
    }

    private static void Split(Expression e, List<Expression> parts)
    {
        if (e is BinaryExpression { NodeType: ExpressionType.AndAlso, Method: null } b)
        {
            Split(b.Left, parts);
            Split(b.Right, parts);
        }
        else
        {
            parts.Add(e);
        }
    }

    private sealed class ParameterCollector(HashSet<ParameterExpression> used) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node)
        {
            used.Add(node);
            return node;
        }
    }
}
