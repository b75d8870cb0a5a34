using System.Globalization;
using System.Text;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Abstractions.Metadata;

namespace Crm.Engine.Import;

/// <summary>
/// What the importer does with each column of one file: worked out once from the header, the mapping and the
/// tenant's metadata. Every problem of the mapping is reported at once, before any row is read.
/// </summary>
internal sealed class ImportPlan
{
    private ImportPlan(TenantEntity entity, string[] header)
    {
        Entity = entity;
        Header = header;
        Converters = new List<ValueConverter>?[header.Length];
    }

    public TenantEntity Entity { get; }

    public string[] Header { get; }

    /// <summary>Per column: the converters of the fields it is imported into (one column may fill several fields), or null.</summary>
    public List<ValueConverter>?[] Converters { get; }

    public List<ImportColumn> Columns { get; } = [];

    public List<string> Warnings { get; } = [];

    /// <summary>The columns whose values are kept in <see cref="UnmappedField"/>.</summary>
    public List<int> KeptColumns { get; } = [];

    public TenantField? UnmappedField { get; private set; }

    /// <summary>The key fields, and the column each comes from.</summary>
    public List<(string Field, int Column)> Keys { get; } = [];

    /// <summary>The look-up fields imported by a business key of their target (<see cref="ColumnMapping.LookupBy"/>).</summary>
    public List<ImportLookup> Lookups { get; } = [];

    /// <summary>The column of each imported field (for errors the engine reports by field).</summary>
    public Dictionary<string, int> ColumnOfField { get; } = new(StringComparer.Ordinal);

    /// <summary>The column holding a previous import's errors (a rejects file imported again), or -1.</summary>
    public int ErrorColumn { get; private set; } = -1;

    /// <summary>Header and column names compare without case, white space, <c>_</c>, <c>-</c> and <c>.</c>.</summary>
    public static string Normalize(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (!char.IsWhiteSpace(c) && c is not ('_' or '-' or '.'))
            {
                builder.Append(char.ToLowerInvariant(c));
            }
        }

        return builder.ToString();
    }

    public static ImportPlan Build(ImportMapping mapping, TenantEntity entity, string[] header, TimeZoneInfo tenantTimeZone, Func<string, TenantEntity?> findEntity)
    {
        var plan = new ImportPlan(entity, header);
        var errors = new List<CrmValidationError>();
        void Fail(string where, object? value, string message) => errors.Add(new CrmValidationError(entity.ApiName, where, value, "mapping", message));

        CultureInfo culture = CultureInfo.InvariantCulture;
        if (mapping.Culture is { Length: > 0 } cultureName)
        {
            try
            {
                culture = CultureInfo.GetCultureInfo(cultureName, predefinedOnly: true);
            }
            catch (CultureNotFoundException)
            {
                Fail("culture", cultureName, $"'{cultureName}' is not a known culture (e.g. en-GB, de-DE, pt-BR).");
            }
        }

        // The day/month order: given, else from an explicitly given culture's short date pattern; else never assumed.
        var dayFirst = mapping.DayFirst;
        if (dayFirst is null && mapping.Culture is { Length: > 0 } && culture.Name.Length > 0)
        {
            var pattern = culture.DateTimeFormat.ShortDatePattern.TrimStart();
            dayFirst = pattern.StartsWith('d') ? true : pattern.StartsWith('M') ? false : null;
        }

        var timeZone = tenantTimeZone;
        if (mapping.TimeZone is { Length: > 0 } zone)
        {
            try
            {
                timeZone = TimeZoneInfo.FindSystemTimeZoneById(zone);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                Fail("timeZone", zone, $"'{zone}' is not a known time zone (an IANA id such as Europe/Berlin).");
            }
        }

        // Headers by normalised name; a name that occurs twice cannot be mapped by name.
        var byName = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < header.Length; i++)
        {
            var key = Normalize(header[i]);
            if (!byName.TryGetValue(key, out var list))
            {
                byName[key] = list = [];
            }

            list.Add(i);
            if (string.Equals(header[i].Trim(), ImportMapping.ErrorColumn, StringComparison.OrdinalIgnoreCase))
            {
                plan.ErrorColumn = i;
            }
        }

        int? FindColumn(string where, string column)
        {
            if (byName.TryGetValue(Normalize(column), out var found))
            {
                if (found.Count == 1)
                {
                    return found[0];
                }

                Fail(where, column, $"the header has {found.Count} columns named '{column}' (columns {string.Join(", ", found.Select(f => f + 1))}): rename them in the file so each can be mapped.");
                return null;
            }

            var near = Suggestions.Closest(column, header);
            Fail(where, column, $"the file has no column '{column}'.{(near is null ? string.Empty : $" Did you mean '{near}'?")} Its columns are: {string.Join(", ", header.Select(h => $"'{h}'"))}.");
            return null;
        }

        TenantField? FindField(string where, string name, bool writable = true)
        {
            var field = entity.FindField(name);
            if (field is null)
            {
                var near = Suggestions.Closest(name, entity.Fields.Select(f => f.ApiName));
                Fail(where, name, $"{entity.ApiName} has no field '{name}'.{(near is null ? " Add it as a custom field first." : $" Did you mean '{near}'?")}");
                return null;
            }

            if (writable && field.Definition.ReadOnly)
            {
                Fail(where, name, $"{entity.ApiName}.{name} is maintained by the engine and cannot be imported.");
                return null;
            }

            return field;
        }

        // A look-up imported by a field of its target: the field must exist there and identify a record by a plain value.
        (TenantEntity Target, TenantField Field)? FindLookupBy(string where, TenantField field, string name, bool ignoreCase)
        {
            if (field.Type != FieldType.Lookup)
            {
                Fail(where, name, $"{entity.ApiName}.{field.ApiName} is a {field.Type} field, not a look-up: lookupBy only applies to look-up fields.");
                return null;
            }

            if (field.Definition.LookupTarget is not { Length: > 0 } targetName || findEntity(targetName) is not { } target)
            {
                Fail(where, name, $"{entity.ApiName}.{field.ApiName} has no single target entity type to look its values up in: import record ids into it.");
                return null;
            }

            var by = target.FindField(name);
            if (by is null)
            {
                var near = Suggestions.Closest(name, target.Fields.Select(f => f.ApiName));
                Fail(where, name, $"{target.ApiName} (the target of {entity.ApiName}.{field.ApiName}) has no field '{name}'.{(near is null ? string.Empty : $" Did you mean '{near}'?")}");
                return null;
            }

            if (by.Type is FieldType.Lookup or FieldType.MultiChoice)
            {
                Fail(where, name, $"{target.ApiName}.{by.ApiName} is a {by.Type} field and cannot identify {target.ApiName} records: look them up by a field holding one plain value (e.g. its name or number).");
                return null;
            }

            if (!by.Definition.Indexed && !(ignoreCase && by.Type == FieldType.Email))
            {
                plan.Warnings.Add($"{target.ApiName}.{by.ApiName} (lookupBy of {entity.ApiName}.{field.ApiName}) is not indexed: finding {target.ApiName} records by it scans every {target.ApiName} record once per batch. Mark it indexed for large imports.");
            }

            return (target, by);
        }

        var usage = new ImportColumnUsage?[header.Length];
        var fieldOf = new string?[header.Length];
        foreach (var (ignored, index) in mapping.IgnoreColumns.Select((c, i) => (c, i)))
        {
            if (FindColumn($"ignoreColumns[{index}]", ignored) is { } column)
            {
                usage[column] = ImportColumnUsage.Ignored;
            }
        }

        if (plan.ErrorColumn >= 0)
        {
            usage[plan.ErrorColumn] = ImportColumnUsage.Ignored;
        }

        foreach (var (map, index) in mapping.Columns.Select((c, i) => (c, i)))
        {
            var where = $"columns[{index}]";
            if (string.IsNullOrWhiteSpace(map.Column) || string.IsNullOrWhiteSpace(map.Field))
            {
                Fail(where, map.Column, "a column mapping needs both a column and a field.");
                continue;
            }

            var column = FindColumn(where + ".column", map.Column);
            var field = FindField(where + ".field", map.Field);
            if (column is not { } c || field is null)
            {
                continue;
            }

            if (usage[c] == ImportColumnUsage.Ignored)
            {
                Fail(where + ".column", map.Column, $"column '{header[c]}' is both mapped and ignored.");
                continue;
            }

            if (plan.ColumnOfField.TryGetValue(field.ApiName, out var other))
            {
                Fail(where + ".field", map.Field, $"field {field.ApiName} is mapped from two columns ('{header[other]}' and '{header[c]}').");
                continue;
            }

            TenantField? lookupBy = null;
            if (map.LookupBy is not null)
            {
                if (FindLookupBy(where + ".lookupBy", field, map.LookupBy, map.LookupIgnoreCase) is not { } by)
                {
                    continue;
                }

                if (map.LookupIgnoreCase && by.Field.Type is not (FieldType.Text or FieldType.Email or FieldType.Phone or FieldType.Choice))
                {
                    Fail(where + ".lookupIgnoreCase", true, $"{by.Target.ApiName}.{by.Field.ApiName} (lookupBy of {entity.ApiName}.{field.ApiName}) is a {by.Field.Type} field: lookupIgnoreCase applies to text values only.");
                    continue;
                }

                if (map.LookupIgnoreCase && by.Field.Type != FieldType.Email)
                {
                    plan.Warnings.Add($"{by.Target.ApiName}.{by.Field.ApiName} (lookupBy of {entity.ApiName}.{field.ApiName}) is matched ignoring case: each batch reads every {by.Target.ApiName} record once (an index does not serve it). Leave lookupIgnoreCase off for large files whose values are spelled consistently.");
                }

                lookupBy = by.Field;
                plan.Lookups.Add(new ImportLookup(field, c, by.Target, by.Field, map.LookupIgnoreCase));
            }
            else if (map.LookupIgnoreCase)
            {
                Fail(where + ".lookupIgnoreCase", true, $"lookupIgnoreCase needs lookupBy (column '{map.Column}', field {entity.ApiName}.{field.ApiName}): it says how the column's values are matched against a field of the look-up's target.");
                continue;
            }

            (plan.Converters[c] ??= []).Add(new ValueConverter(field, map, mapping, culture, dayFirst, timeZone, lookupBy));
            plan.ColumnOfField[field.ApiName] = c;
            usage[c] = ImportColumnUsage.Mapped;
            fieldOf[c] = fieldOf[c] is null ? field.ApiName : fieldOf[c] + ", " + field.ApiName;
        }

        if (mapping.UnmappedColumnsField is { Length: > 0 } keepField && FindField("unmappedColumnsField", keepField) is { } keep)
        {
            if (keep.Type != FieldType.Text)
            {
                Fail("unmappedColumnsField", keepField, $"{entity.ApiName}.{keepField} is a {keep.Type} field; unmapped columns can only be kept in a text field.");
            }
            else if (plan.ColumnOfField.ContainsKey(keep.ApiName))
            {
                Fail("unmappedColumnsField", keepField, $"{entity.ApiName}.{keepField} is already imported from a column.");
            }
            else
            {
                plan.UnmappedField = keep;
            }
        }

        for (var i = 0; i < header.Length; i++)
        {
            if (usage[i] is not null)
            {
                continue;
            }

            var name = Normalize(header[i]);
            var auto = mapping.AutoMap && name.Length > 0 && byName[name].Count == 1
                ? entity.Fields.FirstOrDefault(f => Normalize(f.ApiName) == name) ?? entity.Fields.FirstOrDefault(f => Normalize(f.Label) == name)
                : null;
            if (auto is not null && !auto.Definition.ReadOnly && !plan.ColumnOfField.ContainsKey(auto.ApiName) && auto != plan.UnmappedField)
            {
                plan.Converters[i] = [new ValueConverter(auto, null, mapping, culture, dayFirst, timeZone)];
                plan.ColumnOfField[auto.ApiName] = i;
                usage[i] = ImportColumnUsage.AutoMapped;
                fieldOf[i] = auto.ApiName;
            }
            else if (plan.UnmappedField is not null)
            {
                plan.KeptColumns.Add(i);
                usage[i] = ImportColumnUsage.KeptInUnmappedField;
                fieldOf[i] = plan.UnmappedField.ApiName;
            }
            else
            {
                usage[i] = ImportColumnUsage.NotImported;
                plan.Warnings.Add(auto is not null
                    ? $"column '{header[i]}' matches {entity.ApiName}.{auto.ApiName}, which {(auto.Definition.ReadOnly ? "the engine maintains" : "is already imported from another column")}: its values are not imported. Map it, or list it under ignoreColumns."
                    : $"column '{header[i]}' is not mapped to any field: its values are not imported.{MaybeMeant(entity, plan, header[i])} Map it, list it under ignoreColumns, or keep such values with unmappedColumnsField.");
            }
        }

        for (var i = 0; i < header.Length; i++)
        {
            plan.Columns.Add(new ImportColumn(i, header[i], fieldOf[i], usage[i]!.Value));
        }

        foreach (var (key, index) in mapping.KeyFields.Select((k, i) => (k, i)))
        {
            if (FindField($"keyFields[{index}]", key, writable: false) is not { } field)
            {
                continue;
            }

            if (field.Type == FieldType.MultiChoice)
            {
                Fail($"keyFields[{index}]", key, $"{entity.ApiName}.{key} is a multi-choice field and cannot be a key.");
            }
            else if (!plan.ColumnOfField.TryGetValue(field.ApiName, out var column))
            {
                Fail($"keyFields[{index}]", key, $"key field {entity.ApiName}.{key} is not imported from any column: map a column to it.");
            }
            else if (plan.Lookups.Any(l => l.Field == field))
            {
                Fail($"keyFields[{index}]", key, $"key field {entity.ApiName}.{key} is imported through lookupBy and cannot be a key: use a field of {entity.ApiName} itself.");
            }
            else
            {
                plan.Keys.Add((field.ApiName, column));
                if (!field.Definition.Indexed && field.Type != FieldType.Email)
                {
                    plan.Warnings.Add($"key field {entity.ApiName}.{key} is not indexed: finding existing records by it scans every {entity.ApiName} record once per batch. Mark it indexed for large imports.");
                }
            }
        }

        if (mapping.Mode != ImportMode.CreateOnly && mapping.KeyFields.Count == 0)
        {
            Fail("keyFields", null, $"mode {mapping.Mode} finds existing records by key: name the key field(s).");
        }

        if (mapping.DuplicateKeys == DuplicateKeyHandling.LastWins && mapping.Mode == ImportMode.CreateOnly)
        {
            Fail("duplicateKeys", mapping.DuplicateKeys, "last-wins applies later rows as updates of earlier ones: use it with mode Upsert or UpdateOnly.");
        }

        if (!plan.Converters.Any(c => c is not null) && plan.UnmappedField is null)
        {
            Fail("columns", null, $"no column of the file is imported into a field of {entity.ApiName}.");
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }

        return plan;
    }

    /// <summary>" Did you mean 'x'?" for a header close to a writable field not imported yet (by API name or label), else empty.</summary>
    private static string MaybeMeant(TenantEntity entity, ImportPlan plan, string header)
    {
        var names = entity.Fields.Where(f => !f.Definition.ReadOnly && !plan.ColumnOfField.ContainsKey(f.ApiName))
            .SelectMany(f => new[] { (Name: f.ApiName, Field: f.ApiName), (Name: f.Label, Field: f.ApiName) })
            .GroupBy(n => n.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Field, StringComparer.OrdinalIgnoreCase);
        return Suggestions.Closest(header, names.Keys) is { } close ? $" Did you mean {entity.ApiName}.{names[close]}?" : string.Empty;
    }
}

/// <summary>A look-up field imported from a column holding a value of one field of its target (<see cref="ColumnMapping.LookupBy"/>).</summary>
/// <param name="Field">The look-up field of the imported entity.</param>
/// <param name="Column">The column it is imported from.</param>
/// <param name="Target">The look-up's target entity.</param>
/// <param name="By">The field of the target the column's values are matched against.</param>
/// <param name="IgnoreCase">Whether text values are matched ignoring case (<see cref="ColumnMapping.LookupIgnoreCase"/>).</param>
internal sealed record ImportLookup(TenantField Field, int Column, TenantEntity Target, TenantField By, bool IgnoreCase);
