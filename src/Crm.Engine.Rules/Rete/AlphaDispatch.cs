using System.Linq.Expressions;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Crm.Engine.Rules.Rete;

internal enum CompareOp
{
    Equal,
    NotEqual,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

/// <summary>
/// A selection condition of the form <c>value(fact) OP literal</c> (either side), for a value of a type whose
/// operators are known (<see cref="int"/>, <see cref="long"/>, <see cref="double"/>, <see cref="decimal"/>,
/// <see cref="DateTime"/>; <see cref="string"/> for equality). Sibling alpha nodes testing the same value against
/// different literals (a thousand rules on <c>Amount &gt; i</c>) are then evaluated together: the value is computed
/// once and compared with each literal inline, instead of one compiled condition per node.
/// </summary>
internal sealed class AlphaComparison
{
    private static readonly HashSet<Type> Supported = [typeof(int), typeof(long), typeof(double), typeof(decimal), typeof(DateTime), typeof(string)];

    private AlphaComparison(LambdaExpression value, CompareOp op, object constant)
    {
        Value = value;
        Op = op;
        Constant = constant;
    }

    /// <summary>The non-literal side, as a lambda over the condition's parameter.</summary>
    public LambdaExpression Value { get; }

    /// <summary>The comparison, with the value on the left.</summary>
    public CompareOp Op { get; }

    public object Constant { get; }

    // Per condition instance, as long as it lives (see NetworkBuilder: rebuilds meet the same lambdas): the same
    // comparison, so the same value lambda, whose compiled extractor AlphaDispatch keeps in turn.
    private static readonly ConditionalWeakTable<LambdaExpression, StrongBox<AlphaComparison?>> Cache = new();

    public static AlphaComparison? TryCreate(LambdaExpression condition)
    {
        if (!Cache.TryGetValue(condition, out var cached))
        {
            cached = Cache.GetValue(condition, c => new StrongBox<AlphaComparison?>(Create(c)));
        }

        return cached.Value;
    }

    private static AlphaComparison? Create(LambdaExpression condition)
    {
        if (condition.Parameters.Count != 1 || condition.Body is not BinaryExpression b || b.IsLiftedToNull || b.Conversion is not null
            || ToOp(b.NodeType) is not { } op)
        {
            return null;
        }

        var (value, literal, flipped) = b.Right is ConstantExpression right ? (b.Left, right, false)
            : b.Left is ConstantExpression left ? (b.Right, left, true)
            : (null!, null!, false);
        if (literal is null || literal.Value is null || !CompiledExpression.IsLiteral(literal.Value) || literal.Type != value.Type
            || !Supported.Contains(value.Type) || (value.Type == typeof(string) && op is not (CompareOp.Equal or CompareOp.NotEqual))
            || !ExpressionTools.UsedParameters(condition, value).Contains(condition.Parameters[0]))
        {
            return null;
        }

        // A binary operator's method (decimal, DateTime, string) must be the type's own: a user type's operator is not ours to inline.
        if (b.Method is not null && b.Method.DeclaringType != value.Type)
        {
            return null;
        }

        return new AlphaComparison(Expression.Lambda(value, condition.Parameters[0]), flipped ? Flip(op) : op, literal.Value);
    }

    private static CompareOp? ToOp(ExpressionType type) => type switch
    {
        ExpressionType.Equal => CompareOp.Equal,
        ExpressionType.NotEqual => CompareOp.NotEqual,
        ExpressionType.GreaterThan => CompareOp.Greater,
        ExpressionType.GreaterThanOrEqual => CompareOp.GreaterOrEqual,
        ExpressionType.LessThan => CompareOp.Less,
        ExpressionType.LessThanOrEqual => CompareOp.LessOrEqual,
        _ => null,
    };

    private static CompareOp Flip(CompareOp op) => op switch
    {
        CompareOp.Greater => CompareOp.Less,
        CompareOp.GreaterOrEqual => CompareOp.LessOrEqual,
        CompareOp.Less => CompareOp.Greater,
        CompareOp.LessOrEqual => CompareOp.GreaterOrEqual,
        _ => op,
    };
}

/// <summary>
/// Sibling selection nodes sharing one <see cref="AlphaComparison"/> value and operator, evaluated together. Results
/// go into a state per child position of the parent: <see cref="Pass"/>, <see cref="Fail"/>, or left at
/// <see cref="Unknown"/> when the value could not be computed (each node then evaluates, and reports, on its own).
/// </summary>
internal abstract class AlphaDispatch
{
    public const byte Unknown = 0;
    public const byte Pass = 1;
    public const byte Fail = 2;

    /// <summary>Siblings with at least this many members in a group are dispatched together.</summary>
    public const int MinGroup = 4;

    public abstract void Evaluate(object? fact, Span<byte> states);

    // The compiled value extractor per value lambda (AlphaComparison keeps those per condition instance).
    private static readonly ConditionalWeakTable<LambdaExpression, Delegate> Extractors = new();

    public static AlphaDispatch Create(LambdaExpression value, CompareOp op, object[] constants, int[] positions)
    {
        // DateTime's operators compare ticks (whatever the kind): so do we, as longs.
        var ticks = value.ReturnType == typeof(DateTime);
        var type = ticks ? typeof(long) : value.ReturnType;
        if (ticks)
        {
            constants = [.. constants.Select(c => (object)((DateTime)c).Ticks)];
        }

        if (!Extractors.TryGetValue(value, out var extractor))
        {
            // The value lambda takes the pattern's type; the dispatcher takes the fact as object.
            var fact = Expression.Parameter(typeof(object), "fact");
            var body = new Replacer(new Dictionary<ParameterExpression, Expression> { [value.Parameters[0]] = Expression.Convert(fact, value.Parameters[0].Type) })
                .Visit(value.Body);
            if (ticks)
            {
                body = Expression.Property(body, nameof(DateTime.Ticks));
            }

            var compiled = Expression.Lambda(typeof(Func<,>).MakeGenericType(typeof(object), type), body, fact).Compile();
            extractor = Extractors.GetValue(value, _ => compiled);
        }

        if (type == typeof(string))
        {
            return new StringEquality((Func<object?, string?>)extractor, op == CompareOp.NotEqual, [.. constants.Cast<string>()], positions);
        }

        var dispatch = typeof(Comparison<>).MakeGenericType(type);
        return (AlphaDispatch)Activator.CreateInstance(dispatch, extractor, op, constants, positions)!;
    }

    private sealed class Comparison<T> : AlphaDispatch
        where T : IComparisonOperators<T, T, bool>
    {
        private readonly Func<object?, T> _value;
        private readonly CompareOp _op;
        private readonly T[] _constants;
        private readonly int[] _positions;

        public Comparison(Func<object?, T> value, CompareOp op, object[] constants, int[] positions)
        {
            _value = value;
            _op = op;
            _constants = [.. constants.Cast<T>()];
            _positions = positions;
        }

        public override void Evaluate(object? fact, Span<byte> states)
        {
            T v;
            try
            {
                v = _value(fact);
            }
            catch (Exception)
            {
                // Left Unknown: every member evaluates its own condition and reports the failure as it always did.
                return;
            }

            var constants = _constants;
            var positions = _positions;
            for (var i = 0; i < constants.Length; i++)
            {
                var c = constants[i];
                var passes = _op switch
                {
                    CompareOp.Equal => v == c,
                    CompareOp.NotEqual => v != c,
                    CompareOp.Greater => v > c,
                    CompareOp.GreaterOrEqual => v >= c,
                    CompareOp.Less => v < c,
                    _ => v <= c,
                };
                states[positions[i]] = passes ? Pass : Fail;
            }
        }
    }

    private sealed class StringEquality(Func<object?, string?> value, bool negated, string[] constants, int[] positions) : AlphaDispatch
    {
        public override void Evaluate(object? fact, Span<byte> states)
        {
            string? v;
            try
            {
                v = value(fact);
            }
            catch (Exception)
            {
                return;
            }

            for (var i = 0; i < constants.Length; i++)
            {
                states[positions[i]] = string.Equals(v, constants[i], StringComparison.Ordinal) != negated ? Pass : Fail;
            }
        }
    }
}
