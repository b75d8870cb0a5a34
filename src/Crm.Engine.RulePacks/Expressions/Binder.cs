using System.Globalization;
using System.Linq.Expressions;
using System.Reflection;
using Crm.Engine.RulePacks.Schema;

namespace Crm.Engine.RulePacks.Expressions;

/// <summary>
/// Turns a parsed expression into a typed expression tree over the aliases in scope. Only fields from metadata, the
/// operators of the language and the functions of <see cref="RuleRuntime"/> can appear; anything else is an error.
/// </summary>
internal sealed class Binder
{
    private static readonly Dictionary<string, decimal> DurationUnits = new(StringComparer.Ordinal)
    {
        ["minutes"] = 1m,
        ["hours"] = 60m,
        ["days"] = 1440m,
        ["weeks"] = 10080m,
    };

    private static readonly string[] GlobalFunctions =
        ["date", "datetime", "minutes", "hours", "days", "weeks", "lower", "upper", "trim", "length", "isBlank", "abs", "round", "min", "max", "coalesce", "totalHours", "totalDays", "addBusinessHours", "addBusinessDays", "isNew", "isUpdated", "changed", "previous"];

    private static readonly string[] DateTimeFunctions = ["addBusinessHours", "addBusinessDays"];

    private static readonly string[] TextFunctions = ["contains", "startsWith", "endsWith", "lower", "upper", "trim", "length"];

    private readonly IReadOnlyDictionary<string, FactShape> _scope;
    private readonly Func<string, FactShape, Expression> _access;
    private readonly Dictionary<string, Expression> _used = new(StringComparer.Ordinal);

    public Binder(IReadOnlyDictionary<string, FactShape> scope, Func<string, FactShape, Expression> access)
    {
        _scope = scope;
        _access = access;
    }

    /// <summary>The aliases the bound expression reads, in first-use order.</summary>
    public IReadOnlyCollection<string> UsedAliases => _used.Keys;

    /// <summary>The business calendars the expression uses, with the offset of the call that names each.</summary>
    public List<CalendarUse> Calendars { get; } = [];

    public static string TypeName(Type type) => (System.Nullable.GetUnderlyingType(type) ?? type) switch
    {
        var t when t == typeof(string) => "text",
        var t when t == typeof(decimal) => "number",
        var t when t == typeof(bool) => "bool",
        var t when t == typeof(DateOnly) => "date",
        var t when t == typeof(DateTimeOffset) => "datetime",
        var t when t == typeof(TimeSpan) => "duration",
        var t when t == typeof(Guid) => "id",
        var t when t == typeof(IReadOnlyList<string>) => "list of text",
        var t when t == typeof(object) => "null",
        _ => "record",
    };

    /// <summary>
    /// Whether a duration expression is written in days: <c>days(n)</c>, <c>weeks(n)</c>, and sums, differences,
    /// negations and coalesces of those only. Anything else (<c>hours(48)</c>, <c>days(1) + hours(4)</c>, the difference
    /// of two datetimes) is a span of time.
    /// </summary>
    public static bool IsInDays(Node node) => node switch
    {
        CallNode { Target: null, Name: "days" or "weeks" } => true,
        CallNode { Target: null, Name: "coalesce", Arguments: [var first, var second] } => IsInDays(first) && IsInDays(second),
        UnaryNode { Operator: "-" } u => IsInDays(u.Operand),
        BinaryNode { Operator: "+" or "-" } b => IsInDays(b.Left) && IsInDays(b.Right),
        _ => false,
    };

    /// <summary>Binds a condition: the result must be a bool (null counts as false).</summary>
    public Expression BindCondition(Node node)
    {
        var e = Bind(node);
        if ((System.Nullable.GetUnderlyingType(e.Type) ?? e.Type) != typeof(bool))
        {
            throw new ExpressionException($"a condition must be true or false, but this is a {TypeName(e.Type)}. Compare it, e.g. '== ...'.", node.Offset);
        }

        return ToBool(e);
    }

    public Expression Bind(Node node) => node switch
    {
        LiteralNode l => Literal(l.Value),
        IdentifierNode id => Alias(id),
        MemberNode m => Member(m),
        CallNode c => Call(c),
        UnaryNode u => Unary(u),
        BinaryNode b => Binary(b),
        InNode i => In(i),
        IsNullNode n => IsNull(n),
        ListNode l => throw new ExpressionException("a list can only follow 'in'.", l.Offset),
        _ => throw new ExpressionException("unsupported expression.", node.Offset),
    };

    private static ConstantExpression Literal(object? value) => value switch
    {
        null => Expression.Constant(null, typeof(object)),
        decimal d => Expression.Constant(d, typeof(decimal?)),
        bool b => Expression.Constant(b, typeof(bool?)),
        string s => Expression.Constant(s, typeof(string)),
        _ => throw new InvalidOperationException("unexpected literal"),
    };

    private static bool IsNullLiteral(Expression e) => e is ConstantExpression { Value: null } && e.Type == typeof(object);

    private static Expression ToBool(Expression e) => e.Type == typeof(bool) ? e : Expression.Equal(e, Expression.Constant(true, typeof(bool?)));

    private Expression Alias(IdentifierNode id)
    {
        if (_scope.TryGetValue(id.Name, out var shape))
        {
            if (!_used.TryGetValue(id.Name, out var access))
            {
                access = _access(id.Name, shape);
                _used[id.Name] = access;
            }

            return access;
        }

        throw new ExpressionException($"unknown name '{id.Name}'{Suggest.Hint(id.Name, _scope.Keys)}. An expression can read the fields of the rule's aliases ({string.Join(", ", _scope.Keys)}) and call the functions of the rule-pack language only.", id.Offset);
    }

    private Expression Member(MemberNode m)
    {
        if (m.Target is IdentifierNode id && _scope.TryGetValue(id.Name, out var shape))
        {
            if (!shape.Fields.TryGetValue(m.Name, out var field))
            {
                throw new ExpressionException($"'{m.Name}' is not a field of {shape.Name} (alias '{id.Name}'){Suggest.Hint(m.Name, shape.Fields.Keys)}.", m.NameOffset);
            }

            return field.Read(Alias(id));
        }

        var target = Bind(m.Target);
        if (m.Name == "length" && (target.Type == typeof(string) || target.Type == typeof(IReadOnlyList<string>)))
        {
            return target.Type == typeof(string) ? Call(nameof(RuleRuntime.Length), target) : Call(nameof(RuleRuntime.Count), target);
        }

        throw new ExpressionException($"a {TypeName(target.Type)} has no member '{m.Name}'. Only aliases have fields; text and lists have 'length'.", m.NameOffset);
    }

    private Expression Call(CallNode c)
    {
        if (c.Target is not null)
        {
            return MethodCall(c);
        }

        var args = c.Arguments;
        switch (c.Name)
        {
            case "date":
                return Expression.Constant(ParseLiteralArg(c, s => DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture), "a date like '2026-01-31'"), typeof(DateOnly?));
            case "datetime":
                return Expression.Constant(ParseLiteralArg(c, s => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal), "an instant like '2026-01-31T09:00:00Z'"), typeof(DateTimeOffset?));
            case var unit when DurationUnits.TryGetValue(unit, out var minutes):
                Arity(c, 1);
                return Expression.Call(Method(nameof(RuleRuntime.Duration)), Typed(args[0], typeof(decimal?)), Expression.Constant(minutes));
            case "lower" or "upper" or "trim" or "isBlank":
                Arity(c, 1);
                return Call(char.ToUpperInvariant(c.Name[0]) + c.Name[1..], Typed(args[0], typeof(string)));
            case "length":
                Arity(c, 1);
                var value = Bind(args[0]);
                return value.Type == typeof(IReadOnlyList<string>) ? Call(nameof(RuleRuntime.Count), value) : Call(nameof(RuleRuntime.Length), Expect(value, typeof(string), args[0]));
            case "abs":
                Arity(c, 1);
                return Call(nameof(RuleRuntime.Abs), Typed(args[0], typeof(decimal?)));
            case "round":
                if (args.Count is < 1 or > 2)
                {
                    throw new ExpressionException("round takes a number and optionally a number of decimals.", c.Offset);
                }

                return Call(nameof(RuleRuntime.Round), Typed(args[0], typeof(decimal?)), args.Count == 2 ? Typed(args[1], typeof(decimal?)) : Expression.Constant(null, typeof(decimal?)));
            case "min" or "max":
                Arity(c, 2);
                return Call(c.Name == "min" ? nameof(RuleRuntime.Min) : nameof(RuleRuntime.Max), Typed(args[0], typeof(decimal?)), Typed(args[1], typeof(decimal?)));
            case "totalHours" or "totalDays":
                Arity(c, 1);
                return Call(c.Name == "totalHours" ? nameof(RuleRuntime.TotalHours) : nameof(RuleRuntime.TotalDays), Typed(args[0], typeof(TimeSpan?)));
            case "coalesce":
                Arity(c, 2);
                var (first, second) = Unify(Bind(args[0]), Bind(args[1]), args[1]);
                return first.Type.IsValueType && System.Nullable.GetUnderlyingType(first.Type) is null ? first : Expression.Coalesce(first, second);
            case "addBusinessHours" or "addBusinessDays":
                if (args.Count is < 2 or > 3)
                {
                    throw new ExpressionException($"'{c.Name}' takes an instant, a number of {(c.Name == "addBusinessHours" ? "hours" : "days")} and optionally a calendar key, e.g. {c.Name}(case.openedAt, 2) or {c.Name}(case.openedAt, 2, 'service-desk').", c.Offset);
                }

                return BusinessTime(c, Typed(args[0], typeof(DateTimeOffset?)), args[1], args.Count == 3 ? args[2] : null);
            case "isNew" or "isUpdated":
                Arity(c, 1);
                return Call(c.Name == "isNew" ? nameof(RuleRuntime.IsNew) : nameof(RuleRuntime.IsUpdated), RecordAlias(c, args[0]));
            case "changed" or "previous":
                Arity(c, 1);
                return ChangeOfField(c, args[0]);
            default:
                throw new ExpressionException($"unknown function '{c.Name}'{Suggest.Hint(c.Name, GlobalFunctions)}. Available functions: {string.Join(", ", GlobalFunctions)}.", c.Offset);
        }
    }

    // addBusinessHours/addBusinessDays: business time on a calendar of the evaluation (loaded before it runs). The
    // calendar must be a literal so the engine knows which calendars to load.
    private MethodCallExpression BusinessTime(CallNode c, Expression start, Node amount, Node? calendar)
    {
        var amountValue = Typed(amount, typeof(decimal?));
        decimal? literal = amount switch
        {
            LiteralNode { Value: decimal d } => d,
            UnaryNode { Operator: "-", Operand: LiteralNode { Value: decimal d } } => -d,
            _ => null,
        };
        if (literal is { } l && (l < 0 || (c.Name == "addBusinessDays" && decimal.Truncate(l) != l)))
        {
            throw new ExpressionException($"'{c.Name}' needs {(c.Name == "addBusinessDays" ? "a whole number of days" : "a number of hours")} of 0 or more, not {l.ToString(CultureInfo.InvariantCulture)}.", amount.Offset);
        }

        var key = Abstractions.Work.BusinessCalendarDefinition.DefaultKey;
        if (calendar is not null)
        {
            if (calendar is not LiteralNode { Value: string text } || string.IsNullOrWhiteSpace(text))
            {
                throw new ExpressionException($"the calendar of '{c.Name}' must be written as a text literal, e.g. 'service-desk'.", calendar.Offset);
            }

            key = text;
        }

        Calendars.Add(new CalendarUse(key, calendar?.Offset ?? c.Offset));
        return Call(c.Name == "addBusinessHours" ? nameof(RuleRuntime.AddBusinessHours) : nameof(RuleRuntime.AddBusinessDays), start, amountValue, Expression.Constant(key));
    }

    // isNew(case), isUpdated(case): the argument is the alias of a matched record.
    private Expression RecordAlias(CallNode c, Node argument)
    {
        if (argument is IdentifierNode id && _scope.TryGetValue(id.Name, out var shape))
        {
            return shape.IsRecord
                ? Alias(id)
                : throw new ExpressionException($"'{c.Name}' needs a record, but '{id.Name}' is a {shape.Name} event.", argument.Offset);
        }

        throw new ExpressionException($"'{c.Name}' takes the alias of a record, e.g. {c.Name}({_scope.FirstOrDefault(s => s.Value.IsRecord).Key ?? "case"}).", argument.Offset);
    }

    // changed(case.status): whether the triggering change set the field; previous(case.status): its value before.
    private Expression ChangeOfField(CallNode c, Node argument)
    {
        if (argument is not MemberNode { Target: IdentifierNode id } m || !_scope.TryGetValue(id.Name, out var shape))
        {
            throw new ExpressionException($"'{c.Name}' takes a field of a record, e.g. {c.Name}(case.status).", argument.Offset);
        }

        var record = RecordAlias(c, id);
        if (!shape.Fields.TryGetValue(m.Name, out var field))
        {
            throw new ExpressionException($"'{m.Name}' is not a field of {shape.Name} (alias '{id.Name}'){Suggest.Hint(m.Name, shape.Fields.Keys)}.", m.NameOffset);
        }

        if (c.Name == "changed")
        {
            var current = field.Read(record);
            var hasValue = current.Type.IsValueType && System.Nullable.GetUnderlyingType(current.Type) is null
                ? (Expression)Expression.Constant(true)
                : Expression.NotEqual(current, Expression.Constant(null, current.Type));
            return Call(nameof(RuleRuntime.Changed), record, Expression.Constant(field.Name), hasValue);
        }

        // previous(x): null for a created record, the value before for an updated one, the value for an unchanged one.
        var previous = Call(nameof(RuleRuntime.Previous), record);
        var read = field.Read(previous);
        var type = NullableOf(read.Type);
        return Expression.Condition(
            Expression.ReferenceEqual(previous, Expression.Constant(null, typeof(Abstractions.Records.CrmRecord))),
            Expression.Constant(null, type),
            read.Type == type ? read : Expression.Convert(read, type));
    }

    private MethodCallExpression MethodCall(CallNode c)
    {
        if (c.Target is IdentifierNode id && _scope.TryGetValue(id.Name, out var shape))
        {
            throw new ExpressionException($"'{c.Name}' cannot be called on {id.Name}: a record or event only has fields (e.g. {id.Name}.{shape.Fields.Keys.FirstOrDefault() ?? "id"}), no functions.", c.Offset);
        }

        var target = Bind(c.Target!);
        if (target.Type == typeof(DateTimeOffset?) && DateTimeFunctions.Contains(c.Name))
        {
            if (c.Arguments.Count is < 1 or > 2)
            {
                throw new ExpressionException($"'{c.Name}' takes a number of {(c.Name == "addBusinessHours" ? "hours" : "days")} and optionally a calendar key, e.g. case.openedAt.{c.Name}(2) or case.openedAt.{c.Name}(2, 'service-desk').", c.Offset);
            }

            return BusinessTime(c, target, c.Arguments[0], c.Arguments.Count == 2 ? c.Arguments[1] : null);
        }

        if (target.Type == typeof(IReadOnlyList<string>) && c.Name == "contains")
        {
            Arity(c, 1);
            return Call(nameof(RuleRuntime.ListContains), target, Typed(c.Arguments[0], typeof(string)));
        }

        if (target.Type != typeof(string))
        {
            throw new ExpressionException($"a {TypeName(target.Type)} has no function '{c.Name}'. Functions are only available on text ({string.Join(", ", TextFunctions)}), on lists of text (contains) and on datetimes ({string.Join(", ", DateTimeFunctions)}).", c.Offset);
        }

        switch (c.Name)
        {
            case "contains" or "startsWith" or "endsWith":
                Arity(c, 1);
                return Call(char.ToUpperInvariant(c.Name[0]) + c.Name[1..], target, Typed(c.Arguments[0], typeof(string)));
            case "lower" or "upper" or "trim":
                Arity(c, 0);
                return Call(char.ToUpperInvariant(c.Name[0]) + c.Name[1..], target);
            case "length":
                Arity(c, 0);
                return Call(nameof(RuleRuntime.Length), target);
            default:
                throw new ExpressionException($"text has no function '{c.Name}'{Suggest.Hint(c.Name, TextFunctions)}. Text functions: {string.Join(", ", TextFunctions)}.", c.Offset);
        }
    }

    private UnaryExpression Unary(UnaryNode u)
    {
        var operand = Bind(u.Operand);
        if (u.Operator == "not")
        {
            if ((System.Nullable.GetUnderlyingType(operand.Type) ?? operand.Type) != typeof(bool))
            {
                throw new ExpressionException($"'not' needs true or false, not a {TypeName(operand.Type)}.", u.Offset);
            }

            return Expression.Not(ToBool(operand));
        }

        if (operand.Type == typeof(decimal?) || operand.Type == typeof(TimeSpan?))
        {
            return Expression.Negate(operand);
        }

        throw new ExpressionException($"'-' needs a number or a duration, not a {TypeName(operand.Type)}.", u.Offset);
    }

    private Expression Binary(BinaryNode b)
    {
        var left = Bind(b.Left);
        var right = Bind(b.Right);
        switch (b.Operator)
        {
            case "and" or "or":
                foreach (var (side, node) in new[] { (left, b.Left), (right, b.Right) })
                {
                    if ((System.Nullable.GetUnderlyingType(side.Type) ?? side.Type) != typeof(bool))
                    {
                        throw new ExpressionException($"'{b.Operator}' needs true or false on both sides; this is a {TypeName(side.Type)}.", node.Offset);
                    }
                }

                return b.Operator == "and" ? Expression.AndAlso(ToBool(left), ToBool(right)) : Expression.OrElse(ToBool(left), ToBool(right));
            case "==" or "!=":
                CheckChoice(b.Left, b.Right);
                CheckChoice(b.Right, b.Left);
                (left, right) = Unify(left, right, b.Right);
                if (left.Type == typeof(IReadOnlyList<string>))
                {
                    throw new ExpressionException("lists cannot be compared with == or !=; use .contains('value').", b.Offset);
                }

                return b.Operator == "==" ? Expression.Equal(left, right) : Expression.NotEqual(left, right);
            case "<" or "<=" or ">" or ">=":
                (left, right) = Unify(left, right, b.Right);
                var type = Nullable.GetUnderlyingType(left.Type) ?? left.Type;
                if (type != typeof(decimal) && type != typeof(DateOnly) && type != typeof(DateTimeOffset) && type != typeof(TimeSpan))
                {
                    throw new ExpressionException($"'{b.Operator}' compares numbers, dates, datetimes or durations, not {TypeName(left.Type)}.", b.Offset);
                }

                return b.Operator switch
                {
                    "<" => Expression.LessThan(left, right),
                    "<=" => Expression.LessThanOrEqual(left, right),
                    ">" => Expression.GreaterThan(left, right),
                    _ => Expression.GreaterThanOrEqual(left, right),
                };
            default:
                return Arithmetic(b, left, right);
        }
    }

    private static Expression Arithmetic(BinaryNode b, Expression left, Expression right)
    {
        var (l, r) = (left.Type, right.Type);
        if (l == typeof(decimal?) && r == typeof(decimal?))
        {
            return b.Operator switch
            {
                "+" => Expression.Add(left, right),
                "-" => Expression.Subtract(left, right),
                "*" => Expression.Multiply(left, right),
                "/" => Expression.Divide(left, right),
                _ => Expression.Modulo(left, right),
            };
        }

        if (b.Operator == "+" && l == typeof(string) && r == typeof(string))
        {
            return Expression.Call(Method(nameof(RuleRuntime.Concat)), left, right);
        }

        if (b.Operator is "+" or "-")
        {
            if (l == typeof(DateTimeOffset?) && r == typeof(TimeSpan?))
            {
                return b.Operator == "+" ? Expression.Add(left, right) : Expression.Subtract(left, right);
            }

            if (l == typeof(DateTimeOffset?) && r == typeof(DateTimeOffset?) && b.Operator == "-")
            {
                return Expression.Subtract(left, right);
            }

            if (l == typeof(TimeSpan?) && r == typeof(TimeSpan?))
            {
                return b.Operator == "+" ? Expression.Add(left, right) : Expression.Subtract(left, right);
            }

            if (l == typeof(DateOnly?) && r == typeof(TimeSpan?))
            {
                return Expression.Call(Method(nameof(RuleRuntime.AddToDate)), left, b.Operator == "+" ? right : Expression.Negate(right));
            }
        }

        throw new ExpressionException($"'{b.Operator}' cannot combine a {TypeName(l)} and a {TypeName(r)}.", b.Offset);
    }

    private Expression In(InNode node)
    {
        var value = Bind(node.Value);
        if (node.List.Items.Count == 0)
        {
            return Expression.Constant(node.Negated);
        }

        Expression? any = null;
        foreach (var item in node.List.Items)
        {
            CheckChoice(node.Value, item);
            var (l, r) = Unify(value, Bind(item), item);
            var equal = Expression.Equal(l, r);
            any = any is null ? equal : Expression.OrElse(any, equal);
        }

        return node.Negated ? Expression.Not(any!) : any!;
    }

    private Expression IsNull(IsNullNode node)
    {
        var value = Bind(node.Value);
        if (value.Type.IsValueType && System.Nullable.GetUnderlyingType(value.Type) is null)
        {
            return Expression.Constant(node.Negated);
        }

        var test = Expression.Equal(value, Expression.Constant(null, value.Type));
        return node.Negated ? Expression.Not(test) : test;
    }

    // Makes both sides the same type: null takes the other side's type; a bare bool becomes bool?.
    private static (Expression Left, Expression Right) Unify(Expression left, Expression right, Node rightNode)
    {
        if (IsNullLiteral(left) && IsNullLiteral(right))
        {
            return (Expression.Constant(null, typeof(string)), Expression.Constant(null, typeof(string)));
        }

        if (IsNullLiteral(left))
        {
            left = Expression.Constant(null, NullableOf(right.Type));
            right = Lift(right);
        }
        else if (IsNullLiteral(right))
        {
            right = Expression.Constant(null, NullableOf(left.Type));
            left = Lift(left);
        }

        left = Lift(left);
        right = Lift(right);
        if (left.Type != right.Type)
        {
            throw new ExpressionException($"cannot compare a {TypeName(left.Type)} with a {TypeName(right.Type)}.", rightNode.Offset);
        }

        return (left, right);
    }

    private static Type NullableOf(Type t) => t.IsValueType && System.Nullable.GetUnderlyingType(t) is null ? typeof(Nullable<>).MakeGenericType(t) : t;

    private static Expression Lift(Expression e) => e.Type.IsValueType && System.Nullable.GetUnderlyingType(e.Type) is null ? Expression.Convert(e, NullableOf(e.Type)) : e;

    private Expression Typed(Node node, Type type) => Expect(Bind(node), type, node);

    private static Expression Expect(Expression e, Type type, Node node)
    {
        if (IsNullLiteral(e))
        {
            return Expression.Constant(null, type);
        }

        e = Lift(e);
        return e.Type == type ? e : throw new ExpressionException($"expected a {TypeName(type)} here, but this is a {TypeName(e.Type)}.", node.Offset);
    }

    private static void Arity(CallNode c, int count)
    {
        if (c.Arguments.Count != count)
        {
            throw new ExpressionException($"'{c.Name}' takes {count} argument{(count == 1 ? string.Empty : "s")}, not {c.Arguments.Count}.", c.Offset);
        }
    }

    private static T ParseLiteralArg<T>(CallNode c, Func<string, T> parse, string what)
    {
        if (c.Arguments is not [LiteralNode { Value: string text }])
        {
            throw new ExpressionException($"'{c.Name}' takes one text literal: {what}.", c.Offset);
        }

        try
        {
            return parse(text);
        }
        catch (FormatException)
        {
            throw new ExpressionException($"'{text}' is not {what}.", c.Arguments[0].Offset);
        }
    }

    // A literal compared with a choice field must be one of its options.
    private void CheckChoice(Node fieldNode, Node literalNode)
    {
        if (fieldNode is CallNode { Target: null, Name: "previous", Arguments: [MemberNode previousOf] })
        {
            fieldNode = previousOf;
        }

        if (fieldNode is MemberNode { Target: IdentifierNode id } m && literalNode is LiteralNode { Value: string value }
            && _scope.TryGetValue(id.Name, out var shape) && shape.Fields.TryGetValue(m.Name, out var field)
            && field.Options.Count > 0 && !field.Options.Contains(value, StringComparer.Ordinal))
        {
            throw new ExpressionException($"'{value}' is not an option of {shape.Name}.{m.Name}{Suggest.Hint(value, field.Options)}.", literalNode.Offset);
        }
    }

    private static MethodCallExpression Call(string name, params Expression[] args) => Expression.Call(Method(name), args);

    // The runtime's methods, looked up once (binding a 1,000-rule pack would otherwise reflect thousands of times).
    private static readonly Dictionary<string, MethodInfo> RuntimeMethods =
        typeof(RuleRuntime).GetMethods(BindingFlags.Public | BindingFlags.Static).ToDictionary(m => m.Name, StringComparer.Ordinal);

    private static MethodInfo Method(string name) =>
        RuntimeMethods.TryGetValue(name, out var method) ? method : throw new InvalidOperationException($"RuleRuntime.{name} is missing");
}

/// <summary>A business calendar an expression uses: its key and the offset (in the expression) of where it is named.</summary>
/// <param name="Key">The calendar's key.</param>
/// <param name="Offset">The 0-based offset of the key literal, or of the call for the default calendar.</param>
internal sealed record CalendarUse(string Key, int Offset);
