using System.Text;
using Crm.Engine.Abstractions.Metadata;

namespace Crm.Plugins.Sales;

/// <summary>
/// Maps a web form's field names to lead fields. A form name is compared with its letters and digits only, lower
/// case ("E-Mail", "e_mail" and "email" are the same); a name equal to a lead field's API name (also custom fields)
/// maps to it; "name"/"full name" is split into first and last name. Whatever maps to nothing is kept.
/// </summary>
public static class LeadFormMapping
{
    /// <summary>The aliases (normalised form name → lead field), besides the lead fields' own API names.</summary>
    public static IReadOnlyDictionary<string, string> Aliases { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["email"] = LeadFields.Email,
        ["emailaddress"] = LeadFields.Email,
        ["mail"] = LeadFields.Email,
        ["youremail"] = LeadFields.Email,
        ["firstname"] = LeadFields.FirstName,
        ["first"] = LeadFields.FirstName,
        ["givenname"] = LeadFields.FirstName,
        ["forename"] = LeadFields.FirstName,
        ["vorname"] = LeadFields.FirstName,
        ["lastname"] = LeadFields.LastName,
        ["last"] = LeadFields.LastName,
        ["surname"] = LeadFields.LastName,
        ["familyname"] = LeadFields.LastName,
        ["nachname"] = LeadFields.LastName,
        ["company"] = LeadFields.Company,
        ["companyname"] = LeadFields.Company,
        ["organisation"] = LeadFields.Company,
        ["organization"] = LeadFields.Company,
        ["organisationname"] = LeadFields.Company,
        ["organizationname"] = LeadFields.Company,
        ["firma"] = LeadFields.Company,
        ["phone"] = LeadFields.Phone,
        ["phonenumber"] = LeadFields.Phone,
        ["telephone"] = LeadFields.Phone,
        ["tel"] = LeadFields.Phone,
        ["mobile"] = LeadFields.Phone,
        ["mobilephone"] = LeadFields.Phone,
        ["telefon"] = LeadFields.Phone,
        ["source"] = LeadFields.Source,
        ["leadsource"] = LeadFields.Source,
        ["utmsource"] = LeadFields.Source,
        ["channel"] = LeadFields.Channel,
        ["utmmedium"] = LeadFields.Channel,
        ["campaign"] = LeadFields.CampaignName,
        ["campaignname"] = LeadFields.CampaignName,
        ["utmcampaign"] = LeadFields.CampaignName,
        ["message"] = LeadFields.Description,
        ["comment"] = LeadFields.Description,
        ["comments"] = LeadFields.Description,
        ["description"] = LeadFields.Description,
        ["notes"] = LeadFields.Description,
        ["enquiry"] = LeadFields.Description,
        ["inquiry"] = LeadFields.Description,
    };

    /// <summary>The form names that hold a whole name, split into first name (all but the last word) and last name.</summary>
    public static IReadOnlyList<string> FullNameAliases { get; } = ["name", "fullname", "yourname", "contactname"];

    /// <summary>Fields a form may never set (the module maintains them).</summary>
    private static readonly HashSet<string> Protected = new(StringComparer.Ordinal)
    {
        LeadFields.Status, LeadFields.FormData, LeadFields.PossibleDuplicate, LeadFields.DuplicateOfId, LeadFields.AssignmentRule, LeadFields.AssignedQueue,
    };

    /// <summary>A form name reduced to lower-case letters and digits.</summary>
    /// <param name="formName">The form's field name.</param>
    /// <returns>The normalised name.</returns>
    public static string Normalise(string formName)
    {
        ArgumentNullException.ThrowIfNull(formName);
        var builder = new StringBuilder(formName.Length);
        foreach (var c in formName.Where(char.IsLetterOrDigit))
        {
            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }

    /// <summary>Maps form fields into <paramref name="values"/>; returns the names of the fields that mapped to nothing (or clashed with a value already there).</summary>
    internal static List<KeyValuePair<string, string>> Apply(IReadOnlyDictionary<string, string?> form, Dictionary<string, object?> values, TenantEntity lead)
    {
        var unmapped = new List<KeyValuePair<string, string>>();
        var byName = lead.Fields
            .Where(f => !f.Definition.ReadOnly && !Protected.Contains(f.ApiName))
            .GroupBy(f => Normalise(f.ApiName), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().ApiName, StringComparer.Ordinal);
        foreach (var (name, raw) in form)
        {
            var value = raw?.Trim();
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var key = Normalise(name);
            if (FullNameAliases.Contains(key, StringComparer.Ordinal))
            {
                var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var last = parts[^1];
                var first = parts.Length > 1 ? string.Join(' ', parts[..^1]) : null;
                if (TrySet(values, LeadFields.LastName, last) && (first is null || TrySet(values, LeadFields.FirstName, first)))
                {
                    continue;
                }

                unmapped.Add(new(name, value));
                continue;
            }

            var field = Aliases.TryGetValue(key, out var alias) ? alias : byName.GetValueOrDefault(key);
            if (field is null || !TrySet(values, field, value))
            {
                unmapped.Add(new(name, value));
            }
        }

        return unmapped;
    }

    /// <summary>Sets a field unless it already holds a different value (then the form field is kept as unmapped).</summary>
    private static bool TrySet(Dictionary<string, object?> values, string field, string value)
    {
        if (values.TryGetValue(field, out var existing) && existing is not null)
        {
            return string.Equals(Convert.ToString(existing, System.Globalization.CultureInfo.InvariantCulture), value, StringComparison.OrdinalIgnoreCase);
        }

        values[field] = value;
        return true;
    }
}
