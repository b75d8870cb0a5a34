using System.Globalization;
using System.Text.RegularExpressions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Storage;
using Dapper;

namespace Crm.Engine.Tenancy;

/// <summary>Creates, lists and configures tenants. Creating a tenant also creates its root organisation unit.</summary>
internal sealed partial class TenantAdministration(EngineRuntime runtime) : ITenantAdministration
{
    /// <summary>The tenant's time zone id (an IANA id, checked when the settings were saved), or null for no such tenant.</summary>
    internal static Task<string?> TimeZoneIdAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction? transaction, string tenantId, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT time_zone FROM tenants WHERE id = @tenant", new { tenant = tenantId }, transaction, cancellationToken: cancellationToken));

    public async Task<TenantInfo> CreateAsync(string id, string name, TenantSettings? settings = null, CancellationToken cancellationToken = default)
    {
        settings ??= new TenantSettings();
        var errors = new List<CrmValidationError>();
        if (id is null || !TenantIdShape().IsMatch(id))
        {
            errors.Add(new CrmValidationError("tenant", "id", id, "format", $"tenant id '{id}' is invalid: use 2 to 63 lower-case letters, digits and single dashes, starting and ending with a letter or digit (e.g. acme-eu)."));
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add(new CrmValidationError("tenant", "name", name, "required", "the tenant's name is required."));
        }

        errors.AddRange(CheckSettings(settings));
        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }

        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var now = runtime.Time.GetUtcNow();
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await runtime.Storage.BeginWriteAsync(connection, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO tenants (id, name, time_zone, culture, currency, metadata_version, created_at) VALUES (@id, @name, @tz, @culture, @currency, 1, @at)",
                new { id, name, tz = settings.TimeZone, culture = settings.Culture, currency = settings.Currency, at = DbValues.FormatTime(now) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (Exception ex) when (runtime.Storage.IsUniqueViolation(ex))
        {
            throw new CrmValidationException(new CrmValidationError("tenant", "id", id, "duplicate", $"tenant '{id}' already exists."));
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO org_units (tenant_id, id, name, parent_id, created_at) VALUES (@id, @unit, @name, NULL, @at)",
            new { id, unit = runtime.Storage.Dialect.IdParameter(Guid.CreateVersion7(now)), name, at = DbValues.FormatTime(now) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await Security.SecurityService.SeedSystemRolesAsync(connection, tx, id!, now, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new TenantInfo(id!, name, settings, now);
    }

    public async Task<TenantInfo?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await QueryAsync("WHERE id = @id", new { id }, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    public Task<IReadOnlyList<TenantInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        QueryAsync(string.Empty, null, cancellationToken);

    public async Task<TenantInfo> UpdateSettingsAsync(string id, TenantSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = CheckSettings(settings);
        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }

        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE tenants SET time_zone = @tz, culture = @culture, currency = @currency WHERE id = @id",
            new { id, tz = settings.TimeZone, culture = settings.Culture, currency = settings.Currency }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (rows == 0)
        {
            throw new CrmTenantNotFoundException(id);
        }

        return (await GetAsync(id, cancellationToken).ConfigureAwait(false))!;
    }

    private async Task<IReadOnlyList<TenantInfo>> QueryAsync(string where, object? args, CancellationToken cancellationToken)
    {
        await runtime.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await runtime.Storage.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Id, string Name, string TimeZone, string Culture, string Currency, object CreatedAt)>(new CommandDefinition(
            $"SELECT id, name, time_zone, culture, currency, created_at FROM tenants {where} ORDER BY id", args, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new TenantInfo(r.Id, r.Name, new TenantSettings(r.TimeZone, r.Culture, r.Currency), DbValues.ToTime(r.CreatedAt))).ToList();
    }

    private static List<CrmValidationError> CheckSettings(TenantSettings settings)
    {
        var errors = new List<CrmValidationError>();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(settings.TimeZone ?? string.Empty, out _))
        {
            errors.Add(new CrmValidationError("tenant", "timeZone", settings.TimeZone, "unknown_time_zone", $"'{settings.TimeZone}' is not a known time zone; use an IANA id such as Europe/Berlin."));
        }

        if (!IsKnownCulture(settings.Culture))
        {
            errors.Add(new CrmValidationError("tenant", "culture", settings.Culture, "unknown_culture", $"'{settings.Culture}' is not a known culture; use a name such as de-DE."));
        }

        if (settings.Currency is null || !CurrencyShape().IsMatch(settings.Currency))
        {
            errors.Add(new CrmValidationError("tenant", "currency", settings.Currency, "format", $"'{settings.Currency}' is not an ISO 4217 currency code such as EUR."));
        }

        return errors;
    }

    private static bool IsKnownCulture(string? name)
    {
        // An empty name would be the invariant culture, which is no one's culture.
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        try
        {
            _ = CultureInfo.GetCultureInfo(name, predefinedOnly: true);
            return true;
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9]|-(?!-)){0,61}[a-z0-9]$")]
    private static partial Regex TenantIdShape();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyShape();
}
