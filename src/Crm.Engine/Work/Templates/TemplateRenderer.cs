using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Engine.Abstractions.Work;
using Fluid;
using Fluid.Values;

namespace Crm.Engine.Work.Templates;

/// <summary>
/// Parses and renders Liquid (Fluid) in a sandbox: the model is rebuilt from the data as dictionaries, lists and
/// scalars (any other object becomes its text), no .NET member is registered for access, variables are strict (a
/// missing field is an error naming template, field and line), and loops/recursion are bounded.
/// </summary>
internal sealed partial class TemplateRenderer
{
    private const int MaxSteps = 100_000;
    private const int MaxRecursion = 16;
    private const int MaxDepth = 16;

    private readonly FluidParser _parser = new();
    private readonly TemplateOptions _options;

    public TemplateRenderer()
    {
        _options = new TemplateOptions
        {
            MemberAccessStrategy = new DefaultMemberAccessStrategy(),
            StrictVariables = true,
            StrictFilters = true,
            MaxSteps = MaxSteps,
            MaxRecursion = MaxRecursion,
            CultureInfo = CultureInfo.InvariantCulture,
            TimeZone = TimeZoneInfo.Utc,
        };
    }

    public IFluidTemplate Parse(string key, string part, string source)
    {
        if (_parser.TryParse(source, out var template, out var error))
        {
            return template;
        }

        var (line, column) = Position(error);
        throw new CrmTemplateException(key, part, line, column, null,
            $"template '{key}' ({part}) does not parse{(line > 0 ? $" at line {line}, column {column}" : string.Empty)}: {error}");
    }

    public async Task<string> RenderAsync(string key, string part, string source, IReadOnlyDictionary<string, object?> data)
    {
        var template = Parse(key, part, source);
        var context = new TemplateContext(_options);
        foreach (var (name, value) in data)
        {
            context.SetValue(name, Sanitize(value, 0));
        }

        try
        {
            return await template.RenderAsync(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FluidException or InvalidOperationException)
        {
            string? field = null;
            var line = 0;
            var column = 0;
            if (!ex.Message.Contains("maximum", StringComparison.OrdinalIgnoreCase))
            {
                // Fluid names a missing top-level variable but not a missing member; find the first path the data lacks.
                (field, line, column) = FindMissingPath(source, data);
                if (field is null && FieldName().Match(ex.Message) is { Success: true } m && !m.Groups[1].Value.StartsWith("Fluid.", StringComparison.Ordinal))
                {
                    field = m.Groups[1].Value;
                    (line, column) = Locate(source, field);
                }
            }

            var what = field is not null ? $"the field '{field}' is not in the data"
                : ex.Message.Contains("maximum", StringComparison.OrdinalIgnoreCase) ? $"the template exceeded the rendering limits ({MaxSteps} steps, nesting {MaxRecursion}): {ex.Message.TrimEnd('.')}"
                : ex.Message.TrimEnd('.');
            throw new CrmTemplateException(key, part, line, column, field,
                $"template '{key}' ({part}){(line > 0 ? $" line {line}, column {column}" : string.Empty)}: {what}.", ex);
        }
    }

    /// <summary>Rebuilds a value as plain data the template may read; nothing else reaches Fluid.</summary>
    private static FluidValue Sanitize(object? value, int depth)
    {
        if (depth > MaxDepth)
        {
            return NilValue.Instance;
        }

        return value switch
        {
            // A field given without a value renders empty and is false, where a field not given at all stays an error.
            null => EmptyFieldValue.Instance,
            string s => new StringValue(s),
            bool b => BooleanValue.Create(b),
            int or long or short or byte or decimal or double or float or uint or ulong => NumberValue.Create(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
            DateTimeOffset d => new DateTimeValue(d),
            DateTime d => new DateTimeValue(new DateTimeOffset(DateTime.SpecifyKind(d, d.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : d.Kind))),
            DateOnly d => new StringValue(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            Guid g => new StringValue(g.ToString()),
            Enum e => new StringValue(e.ToString()),
            IReadOnlyDictionary<string, object?> map => Map(map.Select(p => (p.Key, p.Value)), depth),
            IDictionary<string, object?> map => Map(map.Select(p => (p.Key, p.Value)), depth),
            IDictionary map => Map(map.Keys.Cast<object>().Select(k => (Convert.ToString(k, CultureInfo.InvariantCulture) ?? string.Empty, map[k])), depth),
            IEnumerable list => new ArrayValue([.. list.Cast<object?>().Select(v => Sanitize(v, depth + 1))]),
            _ => new StringValue(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty),
        };
    }

    /// <summary>The value of a field that is there but empty: text "", false in conditions, <c>blank</c> and <c>empty</c>.</summary>
    private sealed class EmptyFieldValue : FluidValue
    {
        public static readonly EmptyFieldValue Instance = new();

        public override FluidValues Type => FluidValues.String;

        public override bool Equals(FluidValue other) => other is not null && (other.IsNil() || other is EmptyFieldValue || other.ToStringValue().Length == 0);

        public override bool ToBooleanValue() => false;

        public override decimal ToNumberValue() => 0;

        public override object? ToObjectValue() => null;

        public override string ToStringValue() => string.Empty;

        public override bool Equals(object? obj) => obj is EmptyFieldValue;

        public override int GetHashCode() => 0;
    }

    private static DictionaryValue Map(IEnumerable<(string Key, object? Value)> entries, int depth)
    {
        var dictionary = new Dictionary<string, FluidValue>(StringComparer.Ordinal);
        foreach (var (k, v) in entries)
        {
            dictionary[k] = Sanitize(v, depth + 1);
        }

        return new DictionaryValue(new FluidValueDictionaryFluidIndexable(dictionary));
    }

    private static (int Line, int Column) Position(string? error)
    {
        var m = error is null ? Match.Empty : ParsePosition().Match(error);
        return m.Success
            ? (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
            : (0, 0);
    }

    /// <summary>The first variable path used in the source that the data does not have (loop variables are skipped).</summary>
    private static (string? Field, int Line, int Column) FindMissingPath(string source, IReadOnlyDictionary<string, object?> data)
    {
        var loopVariables = LocalVariable().Matches(source).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        loopVariables.Add("forloop");
        var lines = source.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            foreach (Match block in Block().Matches(lines[i]))
            {
                // Outputs: the expression before any filter; tags: all of it. Quoted text is blanked (same length).
                var text = block.Value.StartsWith("{{", StringComparison.Ordinal) && block.Value.IndexOf('|', StringComparison.Ordinal) is > 0 and var bar ? block.Value[..bar] : block.Value;
                text = Quoted().Replace(text, q => new string(' ', q.Length));
                text = TagName().Replace(text, t => new string(' ', t.Length));
                foreach (Match path in VariablePath().Matches(text))
                {
                    var segments = path.Value.Split('.');
                    if (loopVariables.Contains(segments[0]) || Keywords.Contains(segments[0]))
                    {
                        continue;
                    }

                    if (!Resolves(data, segments))
                    {
                        return (path.Value, i + 1, block.Index + path.Index + 1);
                    }
                }
            }
        }

        return (null, 0, 0);
    }

    // Words that may follow a tag's name (the name itself is blanked out before matching).
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "in", "and", "or", "not", "contains", "true", "false", "nil", "null", "empty", "blank", "limit", "offset", "reversed", "with", "as",
    };

    private static bool Resolves(IReadOnlyDictionary<string, object?> data, string[] segments)
    {
        object? current = data;
        foreach (var segment in segments)
        {
            switch (current)
            {
                case IReadOnlyDictionary<string, object?> map when map.TryGetValue(segment, out var next):
                    current = next;
                    break;
                case IDictionary<string, object?> map when map.TryGetValue(segment, out var next):
                    current = next;
                    break;
                case IEnumerable and not string when segment is "size" or "first" or "last":
                    return true;
                default:
                    return false;
            }
        }

        return true;
    }

    /// <summary>The first place the field is used inside an output or tag.</summary>
    private static (int Line, int Column) Locate(string source, string field)
    {
        var lines = source.Split('\n');
        var last = field.Split('.')[^1];
        foreach (var candidate in new[] { field, last })
        {
            var pattern = new Regex($@"(?<![\w.]){Regex.Escape(candidate)}(?![\w])", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            for (var i = 0; i < lines.Length; i++)
            {
                var m = pattern.Match(lines[i]);
                if (m.Success)
                {
                    return (i + 1, m.Index + 1);
                }
            }
        }

        return (0, 0);
    }

    [GeneratedRegex(@"\((\d+):(\d+)\)")]
    private static partial Regex ParsePosition();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex FieldName();

    [GeneratedRegex(@"\{\{.*?\}\}|\{%.*?%\}")]
    private static partial Regex Block();

    [GeneratedRegex(@"(?<![\w.'""])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")]
    private static partial Regex VariablePath();

    [GeneratedRegex(@"\{%-?\s*(?:for|assign|capture|cycle|increment|decrement)\s+(\w+)")]
    private static partial Regex LocalVariable();

    [GeneratedRegex(@"^\{%-?\s*\w+")]
    private static partial Regex TagName();

    [GeneratedRegex(@"'[^']*'|""[^""]*""")]
    private static partial Regex Quoted();
}
