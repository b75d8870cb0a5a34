using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;

namespace Crm.Plugins.Sales;

/// <summary>The <see cref="ISales"/> singleton.</summary>
internal sealed class SalesService(SalesSettingsStore settings, IWorkServices work) : ISales
{
    public ISalesTenant ForTenant(ICrmTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new SalesTenant(tenant, settings, work);
    }
}

/// <summary>One tenant's sales API for one caller: every read and write goes through the caller's <see cref="ICrmTenant.Records"/>.</summary>
internal sealed class SalesTenant(ICrmTenant tenant, SalesSettingsStore settings, IWorkServices work) : ISalesTenant
{
    private const string RuleEntity = "salesAssignmentRule";

    public async Task<LeadCaptureResult> CaptureLeadAsync(LeadCapture capture, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(capture);
        var lead = await tenant.Metadata.GetEntityAsync(SalesEntities.Lead, cancellationToken).ConfigureAwait(false);
        var values = new Dictionary<string, object?>(capture.Values, StringComparer.Ordinal);
        var unmapped = LeadFormMapping.Apply(capture.FormFields, values, lead);
        if (unmapped.Count > 0)
        {
            var lines = string.Join('\n', unmapped.Select(p => $"{p.Key}: {p.Value}"));
            values[LeadFields.FormData] = values.TryGetValue(LeadFields.FormData, out var earlier) && earlier is string { Length: > 0 } text ? text + "\n" + lines : lines;
        }

        SetIfGiven(values, LeadFields.Source, capture.Source);
        SetIfGiven(values, LeadFields.Channel, capture.Channel);
        SetIfGiven(values, LeadFields.CampaignName, capture.CampaignName);
        if (!values.TryGetValue(LeadFields.Source, out var source) || source is null)
        {
            values[LeadFields.Source] = capture.Origin switch
            {
                LeadOrigin.WebForm => "web",
                LeadOrigin.Import => "import",
                _ => "api",
            };
        }

        var email = values.GetValueOrDefault(LeadFields.Email) as string;
        var phone = values.GetValueOrDefault(LeadFields.Phone) as string;
        var company = values.GetValueOrDefault(LeadFields.Company) as string;
        var duplicates = await FindDuplicatesAsync(email, phone, company, cancellationToken).ConfigureAwait(false);
        if (duplicates.Count > 0)
        {
            if (capture.RejectDuplicates)
            {
                throw new CrmValidationException([.. duplicates.SelectMany(d => d.Reasons.Select(reason =>
                {
                    var (field, value) = reason switch
                    {
                        DuplicateReason.Email => (LeadFields.Email, (object?)email),
                        DuplicateReason.Phone => (LeadFields.Phone, phone),
                        _ => (LeadFields.Company, company),
                    };
                    return new CrmValidationError(SalesEntities.Lead, field, value, "duplicate",
                        $"the {d.Record.EntityType} '{d.Name}' ({d.Record.Id}) has the same {field}; the lead was not created (RejectDuplicates).");
                }))]);
            }

            values[LeadFields.PossibleDuplicate] = true;
            values[LeadFields.DuplicateOfId] = duplicates[0].Record.ToString();
        }

        var assignment = LeadAssignment.None;
        if (capture.OwnerId is null)
        {
            var rules = await settings.RulesAsync(tenant.TenantId, cancellationToken).ConfigureAwait(false);
            var rule = Match(rules, values);
            if (rule is not null)
            {
                assignment = new LeadAssignment(rule.Name, rule.UserId, rule.Queue);
                values[LeadFields.AssignmentRule] = rule.Name;
                if (rule.Queue is not null)
                {
                    values[LeadFields.AssignedQueue] = rule.Queue;
                }
            }
        }

        var record = await tenant.Records.CreateAsync(SalesEntities.Lead, values, new CreateOptions { OwnerId = capture.OwnerId ?? assignment.UserId }, cancellationToken).ConfigureAwait(false);
        return new LeadCaptureResult(record, duplicates, assignment, [.. unmapped.Select(p => p.Key)]);
    }

    public async Task<IReadOnlyList<DuplicateMatch>> FindDuplicatesAsync(string? email, string? phone, string? company, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<RecordRef, (string? Name, List<DuplicateReason> Reasons)>();
        void Add(IEnumerable<CrmRecord> records, DuplicateReason reason)
        {
            foreach (var record in records)
            {
                var key = new RecordRef(record.EntityType, record.Id);
                if (!found.TryGetValue(key, out var entry))
                {
                    var name = record.EntityType == SalesEntities.Lead
                        ? string.Join(' ', new[] { record.Text(LeadFields.FirstName), record.Text(LeadFields.LastName) }.Where(n => !string.IsNullOrEmpty(n)))
                        : record.Text("name");
                    entry = (name, []);
                    found[key] = entry;
                }

                if (!entry.Reasons.Contains(reason))
                {
                    entry.Reasons.Add(reason);
                }
            }
        }

        if (!string.IsNullOrWhiteSpace(email))
        {
            string[] emails = [email.Trim()];
            Add(await QueryAsync(RecordQuery.For(SalesEntities.Lead).Where(LeadFields.Email, FilterOperator.InIgnoreCase, emails), cancellationToken).ConfigureAwait(false), DuplicateReason.Email);
            Add(await tenant.Contacts.FindByEmailAsync(email.Trim(), cancellationToken).ConfigureAwait(false), DuplicateReason.Email);
            Add(await QueryAsync(RecordQuery.For(CoreEntities.Account).Where(AccountFields.Email, FilterOperator.InIgnoreCase, emails), cancellationToken).ConfigureAwait(false), DuplicateReason.Email);
        }

        if (LeadLifecycle.PhoneKey(phone) is { } phoneKey)
        {
            Add(await QueryAsync(RecordQuery.For(SalesEntities.Lead).Where(LeadFields.PhoneKey, phoneKey), cancellationToken).ConfigureAwait(false), DuplicateReason.Phone);
            Add(await tenant.Contacts.FindByPhoneAsync(phone!, cancellationToken).ConfigureAwait(false), DuplicateReason.Phone);
        }

        if (!string.IsNullOrWhiteSpace(company))
        {
            string[] names = [company.Trim()];
            Add(await QueryAsync(RecordQuery.For(SalesEntities.Lead).Where(LeadFields.Company, FilterOperator.InIgnoreCase, names), cancellationToken).ConfigureAwait(false), DuplicateReason.Company);
            Add(await QueryAsync(RecordQuery.For(CoreEntities.Account).Where(AccountFields.Name, FilterOperator.InIgnoreCase, names), cancellationToken).ConfigureAwait(false), DuplicateReason.Company);
        }

        return [.. found
            .Select(p => new DuplicateMatch(p.Key, p.Value.Name, p.Value.Reasons))
            .OrderBy(m => m.Record.EntityType == SalesEntities.Lead ? 1 : 0)];
    }

    public async Task SetAssignmentRulesAsync(IReadOnlyList<LeadAssignmentRule> rules, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rules);
        await tenant.Security.RequireAsync(TenantPrivilege.Customize, "changing the lead assignment rules", cancellationToken).ConfigureAwait(false);
        var lead = await tenant.Metadata.GetEntityAsync(SalesEntities.Lead, cancellationToken).ConfigureAwait(false);
        var errors = new List<CrmValidationError>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queues = work.ForCaller(tenant.Caller).Queues;
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            var label = string.IsNullOrWhiteSpace(rule?.Name) ? $"rule {i + 1}" : $"rule '{rule.Name}'";
            void Fail(string field, object? value, string code, string message) => errors.Add(new CrmValidationError(RuleEntity, field, value, code, $"{label}: {message}"));
            if (rule is null)
            {
                Fail("rules", null, "required", "is missing.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(rule.Name))
            {
                Fail("name", rule.Name, "required", "needs a name.");
            }
            else if (!names.Add(rule.Name))
            {
                Fail("name", rule.Name, "duplicate", "another rule has the same name.");
            }

            if ((rule.UserId is null) == string.IsNullOrWhiteSpace(rule.Queue))
            {
                Fail("userId", rule.UserId, "target", "needs exactly one of a user and a queue to assign to.");
            }
            else if (rule.UserId is { } userId && await tenant.Organization.GetUserAsync(userId, cancellationToken).ConfigureAwait(false) is not { IsActive: true })
            {
                Fail("userId", userId, "not_found", $"user {userId} is not an active user of the tenant.");
            }
            else if (rule.Queue is { } queue && await queues.FindQueueAsync(queue, cancellationToken).ConfigureAwait(false) is null)
            {
                Fail("queue", queue, "not_found", $"there is no work queue named '{queue}'.");
            }

            foreach (var condition in rule.Conditions ?? [])
            {
                if (lead.FindField(condition.Field ?? string.Empty) is null)
                {
                    Fail(condition.Field ?? "field", condition.Field, "unknown_field", $"lead has no field '{condition.Field}'.");
                    continue;
                }

                var count = condition.Values?.Count ?? 0;
                var ok = condition.Operator switch
                {
                    AssignmentOperator.EqualTo or AssignmentOperator.Contains => count == 1,
                    AssignmentOperator.In => count >= 1,
                    AssignmentOperator.IsEmpty => count == 0,
                    _ => false,
                };
                if (!ok)
                {
                    Fail(condition.Field!, condition.Values, "condition", $"the condition on '{condition.Field}' ({condition.Operator}) takes {(condition.Operator switch { AssignmentOperator.In => "one or more values", AssignmentOperator.IsEmpty => "no value", _ => "exactly one value" })}, got {count}.");
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }

        await settings.WriteAsync(tenant, SalesSettingsFields.AssignmentRules, rules, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<LeadAssignmentRule>> GetAssignmentRulesAsync(CancellationToken cancellationToken = default) =>
        settings.RulesAsync(tenant.TenantId, cancellationToken);

    public async Task<LeadAssignment> AssignLeadAsync(Guid leadId, CancellationToken cancellationToken = default)
    {
        var lead = await GetAsync(SalesEntities.Lead, leadId, cancellationToken).ConfigureAwait(false);
        var rules = await settings.RulesAsync(tenant.TenantId, cancellationToken).ConfigureAwait(false);
        var rule = Match(rules, lead.Values);
        if (rule is null)
        {
            return LeadAssignment.None;
        }

        if (rule.UserId is { } userId)
        {
            // Owner first: if the caller may not assign, nothing changes; the rule's name follows.
            await tenant.Records.AssignAsync(SalesEntities.Lead, leadId, userId, cancellationToken).ConfigureAwait(false);
        }

        await tenant.Records.UpdateAsync(
            SalesEntities.Lead, leadId, null, new Dictionary<string, object?> { [LeadFields.AssignmentRule] = rule.Name, [LeadFields.AssignedQueue] = rule.Queue }, cancellationToken).ConfigureAwait(false);
        return new LeadAssignment(rule.Name, rule.UserId, rule.Queue);
    }

    public async Task<CrmRecord> SetLeadStatusAsync(Guid leadId, string status, string? reason = null, CancellationToken cancellationToken = default)
    {
        if (status == LeadStatus.Converted)
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.Lead, LeadFields.Status, status, "lead_status", "convert a lead with ConvertLeadAsync."));
        }

        var lead = await GetAsync(SalesEntities.Lead, leadId, cancellationToken).ConfigureAwait(false);
        var changes = new Dictionary<string, object?> { [LeadFields.Status] = status };
        if (reason is not null)
        {
            changes[LeadFields.DisqualifiedReason] = reason;
        }

        return await tenant.Records.UpdateAsync(SalesEntities.Lead, leadId, lead.Version, changes, cancellationToken).ConfigureAwait(false);
    }

    public async Task<LeadConversionResult> ConvertLeadAsync(Guid leadId, LeadConversionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var lead = await GetAsync(SalesEntities.Lead, leadId, cancellationToken).ConfigureAwait(false);
        if (lead.Text(LeadFields.Status) == LeadStatus.Converted)
        {
            throw new CrmOperationRejectedException(
                $"lead {leadId} is already converted (account {lead.Id(LeadFields.ConvertedAccountId)}, contact {lead.Id(LeadFields.ConvertedContactId)}); a lead is converted once.", LeadFields.Status);
        }

        var request = new ConversionRequest(leadId, options ?? new LeadConversionOptions());
        var previous = ConversionRequest.Current.Value;
        ConversionRequest.Current.Value = request;
        try
        {
            var converted = await tenant.Records.UpdateAsync(
                SalesEntities.Lead, leadId, lead.Version, new Dictionary<string, object?> { [LeadFields.Status] = LeadStatus.Converted }, cancellationToken).ConfigureAwait(false);
            return new LeadConversionResult(
                converted,
                converted.Id(LeadFields.ConvertedAccountId)!.Value,
                converted.Id(LeadFields.ConvertedContactId)!.Value,
                converted.Id(LeadFields.ConvertedOpportunityId),
                request.AccountCreated);
        }
        finally
        {
            ConversionRequest.Current.Value = previous;
        }
    }

    public Task<IReadOnlyList<SalesStage>> GetStagesAsync(CancellationToken cancellationToken = default) => settings.StagesAsync(tenant.TenantId, cancellationToken);

    public async Task SetStagesAsync(IReadOnlyList<SalesStage> stages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stages);
        await tenant.Security.RequireAsync(TenantPrivilege.Customize, "changing the opportunity stages", cancellationToken).ConfigureAwait(false);
        const string entity = "salesStage";
        var errors = new List<CrmValidationError>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var label = string.IsNullOrWhiteSpace(stage.Name) ? $"stage {i + 1}" : $"stage '{stage.Name}'";
            if (string.IsNullOrWhiteSpace(stage.Name) || stage.Name.Length > 50)
            {
                errors.Add(new CrmValidationError(entity, "name", stage.Name, "required", $"{label}: needs a name of 1 to 50 characters."));
            }
            else if (!names.Add(stage.Name))
            {
                errors.Add(new CrmValidationError(entity, "name", stage.Name, "duplicate", $"{label}: another stage has the same name."));
            }

            if (stage.Probability is < 0 or > 100)
            {
                errors.Add(new CrmValidationError(entity, "probability", stage.Probability, "range", $"{label}: the probability must be between 0 and 100."));
            }

            if (!ForecastCategories.All.Contains(stage.ForecastCategory, StringComparer.Ordinal))
            {
                errors.Add(new CrmValidationError(entity, "forecastCategory", stage.ForecastCategory, "choice", $"{label}: the forecast category must be one of {string.Join(", ", ForecastCategories.All)}."));
            }
        }

        if (!stages.Any(s => s.Outcome == StageOutcome.Open) || stages.Count(s => s.Outcome == StageOutcome.Won) != 1 || !stages.Any(s => s.Outcome == StageOutcome.Lost))
        {
            errors.Add(new CrmValidationError(entity, "outcome", null, "outcomes", "the stages need at least one open stage, exactly one won stage and at least one lost stage."));
        }

        if (errors.Count > 0)
        {
            throw new CrmValidationException(errors);
        }

        await settings.WriteAsync(tenant, SalesSettingsFields.Stages, stages, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> SetStageAsync(Guid opportunityId, string stage, CancellationToken cancellationToken = default)
    {
        var stages = await GetStagesAsync(cancellationToken).ConfigureAwait(false);
        var found = SalesSettingsStore.FindStage(stages, SalesEntities.Opportunity, OpportunityFields.Stage, stage);
        if (found.Outcome != StageOutcome.Open)
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, OpportunityFields.Stage, stage, "closed_stage",
                $"'{stage}' closes the opportunity; use WinAsync or LoseAsync with a reason."));
        }

        var opportunity = await GetAsync(SalesEntities.Opportunity, opportunityId, cancellationToken).ConfigureAwait(false);
        return await tenant.Records.UpdateAsync(SalesEntities.Opportunity, opportunityId, opportunity.Version, new Dictionary<string, object?> { [OpportunityFields.Stage] = stage }, cancellationToken).ConfigureAwait(false);
    }

    public Task<CrmRecord> WinAsync(Guid opportunityId, string reason, CancellationToken cancellationToken = default) =>
        CloseAsync(opportunityId, StageOutcome.Won, reason, cancellationToken);

    public Task<CrmRecord> LoseAsync(Guid opportunityId, string reason, CancellationToken cancellationToken = default) =>
        CloseAsync(opportunityId, StageOutcome.Lost, reason, cancellationToken);

    public async Task<CrmRecord> AddLineAsync(Guid opportunityId, OpportunityLineInput line, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(line);
        var values = new Dictionary<string, object?>
        {
            [OpportunityLineFields.OpportunityId] = opportunityId,
            [OpportunityLineFields.ProductName] = line.ProductName,
            [OpportunityLineFields.Quantity] = line.Quantity,
            [OpportunityLineFields.UnitPrice] = line.UnitPrice,
            [OpportunityLineFields.Discount] = line.Discount,
            [OpportunityLineFields.Sku] = line.Sku,
        };
        return await tenant.Records.CreateAsync(SalesEntities.OpportunityLine, values, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public Task<CrmRecord> AddContactRoleAsync(Guid opportunityId, Guid contactId, string role, CancellationToken cancellationToken = default) =>
        tenant.Records.CreateAsync(
            SalesEntities.OpportunityContactRole,
            new Dictionary<string, object?>
            {
                [OpportunityContactRoleFields.OpportunityId] = opportunityId,
                [OpportunityContactRoleFields.ContactId] = contactId,
                [OpportunityContactRoleFields.Role] = role,
            },
            cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<PipelineStageRow>> PipelineAsync(CancellationToken cancellationToken = default)
    {
        var stages = await GetStagesAsync(cancellationToken).ConfigureAwait(false);
        var open = await QueryAsync(RecordQuery.For(SalesEntities.Opportunity).Where(OpportunityFields.Status, OpportunityStatus.Open), cancellationToken).ConfigureAwait(false);
        var byStage = open.GroupBy(o => o.Text(OpportunityFields.Stage) ?? string.Empty, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var order = stages.Where(s => s.Outcome == StageOutcome.Open).Select(s => s.Name).ToList();
        order.AddRange(byStage.Keys.Where(k => !order.Contains(k, StringComparer.Ordinal)).Order(StringComparer.Ordinal));
        return [.. order.Select(name =>
        {
            var items = byStage.GetValueOrDefault(name) ?? [];
            return new PipelineStageRow(name, items.Count, items.Sum(Amount), items.Sum(Weighted));
        })];
    }

    public async Task<SalesForecast> ForecastAsync(int year, int quarter, CancellationToken cancellationToken = default)
    {
        var (start, end) = Quarter(year, quarter);
        var opportunities = await QueryAsync(
            RecordQuery.For(SalesEntities.Opportunity).Where(OpportunityFields.CloseDate, FilterOperator.GreaterOrEqual, start).Where(OpportunityFields.CloseDate, FilterOperator.LessOrEqual, end),
            cancellationToken).ConfigureAwait(false);
        var quotas = await QueryAsync(
            RecordQuery.For(SalesEntities.SalesQuota).Where(SalesQuotaFields.Year, (decimal)year).Where(SalesQuotaFields.Quarter, (decimal)quarter), cancellationToken).ConfigureAwait(false);

        var userQuotas = quotas.Where(q => string.IsNullOrEmpty(q.Text(SalesQuotaFields.Territory)))
            .GroupBy(q => q.Text(SalesQuotaFields.UserId) ?? string.Empty, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Sum(q => q.Number(SalesQuotaFields.Amount) ?? 0m), StringComparer.OrdinalIgnoreCase);
        var territoryQuotas = quotas.Where(q => !string.IsNullOrEmpty(q.Text(SalesQuotaFields.Territory)))
            .GroupBy(q => q.Text(SalesQuotaFields.Territory)!, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.Sum(q => q.Number(SalesQuotaFields.Amount) ?? 0m), StringComparer.OrdinalIgnoreCase);

        var byOwner = opportunities.GroupBy(o => o.OwnerId?.ToString() ?? string.Empty, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
        var owners = byOwner.Keys.Union(userQuotas.Keys, StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        var system = settings.System(tenant.TenantId).Organization;
        var ownerLines = new List<ForecastLine>();
        foreach (var owner in owners)
        {
            var name = owner.Length == 0 ? "(no owner)" : owner;
            if (Guid.TryParse(owner, out var userId) && await system.GetUserAsync(userId, cancellationToken).ConfigureAwait(false) is { } user)
            {
                name = user.DisplayName;
            }

            ownerLines.Add(Line(owner, name, byOwner.GetValueOrDefault(owner) ?? [], userQuotas.TryGetValue(owner, out var q) ? q : null));
        }

        var byTerritory = opportunities.Where(o => !string.IsNullOrEmpty(o.Text(OpportunityFields.Territory)))
            .GroupBy(o => o.Text(OpportunityFields.Territory)!, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);
        var territoryLines = byTerritory.Keys.Union(territoryQuotas.Keys, StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase)
            .Select(t => Line(t, t, byTerritory.GetValueOrDefault(t) ?? [], territoryQuotas.TryGetValue(t, out var q) ? q : null))
            .ToList();
        return new SalesForecast(year, quarter, Amounts(opportunities), ownerLines, territoryLines);
    }

    public async Task<CrmRecord> SetQuotaAsync(Guid userId, int year, int quarter, decimal amount, string? territory = null, CancellationToken cancellationToken = default)
    {
        _ = Quarter(year, quarter);
        await tenant.Security.RequireAsync(TenantPrivilege.Customize, "setting sales quotas", cancellationToken).ConfigureAwait(false);
        if (await tenant.Organization.GetUserAsync(userId, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.SalesQuota, SalesQuotaFields.UserId, userId, "not_found", $"user {userId} is not a user of the tenant."));
        }

        territory = string.IsNullOrWhiteSpace(territory) ? null : territory.Trim();
        var existing = (await QueryAsync(
            RecordQuery.For(SalesEntities.SalesQuota).Where(SalesQuotaFields.UserId, userId.ToString()).Where(SalesQuotaFields.Year, (decimal)year).Where(SalesQuotaFields.Quarter, (decimal)quarter),
            cancellationToken).ConfigureAwait(false)).FirstOrDefault(q => string.Equals(q.Text(SalesQuotaFields.Territory), territory, StringComparison.OrdinalIgnoreCase));
        if (existing is not null)
        {
            return await tenant.Records.UpdateAsync(SalesEntities.SalesQuota, existing.Id, existing.Version, new Dictionary<string, object?> { [SalesQuotaFields.Amount] = amount }, cancellationToken).ConfigureAwait(false);
        }

        var values = new Dictionary<string, object?>
        {
            [SalesQuotaFields.Name] = string.Create(CultureInfo.InvariantCulture, $"{year}-Q{quarter} {userId}{(territory is null ? string.Empty : " " + territory)}"),
            [SalesQuotaFields.UserId] = userId.ToString(),
            [SalesQuotaFields.Territory] = territory,
            [SalesQuotaFields.Year] = (decimal)year,
            [SalesQuotaFields.Quarter] = (decimal)quarter,
            [SalesQuotaFields.Amount] = amount,
        };

        // Owned by the quota's user, so they (and their managers, by depth) may read it.
        return await tenant.Records.CreateAsync(SalesEntities.SalesQuota, values, new CreateOptions { OwnerId = userId }, cancellationToken).ConfigureAwait(false);
    }

    internal static (DateOnly Start, DateOnly End) Quarter(int year, int quarter)
    {
        if (quarter is < 1 or > 4)
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, "quarter", quarter, "range", "the quarter must be 1, 2, 3 or 4."));
        }

        if (year is < 2000 or > 9999)
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, "year", year, "range", "the year must be between 2000 and 9999."));
        }

        var start = new DateOnly(year, ((quarter - 1) * 3) + 1, 1);
        return (start, start.AddMonths(3).AddDays(-1));
    }

    internal static decimal Amount(CrmRecord opportunity) => opportunity.Number(OpportunityFields.Amount) ?? 0m;

    internal static decimal Weighted(CrmRecord opportunity) =>
        Category(opportunity) == ForecastCategories.Omitted ? 0m : Math.Round(Amount(opportunity) * (opportunity.Number(OpportunityFields.Probability) ?? 0m) / 100m, 2, MidpointRounding.AwayFromZero);

    internal static string Category(CrmRecord opportunity) => opportunity.Text(OpportunityFields.ForecastCategory) ?? opportunity.Text(OpportunityFields.Status) switch
    {
        OpportunityStatus.Won => ForecastCategories.Closed,
        OpportunityStatus.Lost => ForecastCategories.Omitted,
        _ => ForecastCategories.Pipeline,
    };

    internal static ForecastAmounts Amounts(IReadOnlyCollection<CrmRecord> opportunities)
    {
        decimal Sum(string category) => opportunities.Where(o => Category(o) == category).Sum(Amount);
        return new ForecastAmounts(
            Sum(ForecastCategories.Pipeline), Sum(ForecastCategories.BestCase), Sum(ForecastCategories.Commit), Sum(ForecastCategories.Closed), Sum(ForecastCategories.Omitted), opportunities.Sum(Weighted));
    }

    private static ForecastLine Line(string key, string name, List<CrmRecord> opportunities, decimal? quota)
    {
        var amounts = Amounts(opportunities);
        decimal? attainment = quota is > 0 ? Math.Round(amounts.Closed * 100m / quota.Value, 1, MidpointRounding.AwayFromZero) : null;
        return new ForecastLine(key, name, amounts, quota, attainment);
    }

    internal static LeadAssignmentRule? Match(IReadOnlyList<LeadAssignmentRule> rules, IReadOnlyDictionary<string, object?> values) =>
        rules.FirstOrDefault(rule => (rule.Conditions ?? []).All(c => Holds(c, values)));

    private static bool Holds(AssignmentCondition condition, IReadOnlyDictionary<string, object?> values)
    {
        var value = values.TryGetValue(condition.Field, out var v) ? Convert.ToString(v, CultureInfo.InvariantCulture)?.Trim() : null;
        if (value is null && condition.Field == LeadFields.Status)
        {
            value = LeadStatus.New;
        }

        return condition.Operator switch
        {
            AssignmentOperator.IsEmpty => string.IsNullOrEmpty(value),
            AssignmentOperator.EqualTo or AssignmentOperator.In => value is not null && condition.Values.Any(x => string.Equals(x.Trim(), value, StringComparison.OrdinalIgnoreCase)),
            AssignmentOperator.Contains => value is not null && value.Contains(condition.Values[0], StringComparison.OrdinalIgnoreCase),
            _ => false,
        };
    }

    private async Task<CrmRecord> CloseAsync(Guid opportunityId, StageOutcome outcome, string reason, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new CrmValidationException(new CrmValidationError(SalesEntities.Opportunity, OpportunityFields.CloseReason, reason, "required",
                $"a reason is required to mark an opportunity {(outcome == StageOutcome.Won ? "won" : "lost")}."));
        }

        var stages = await GetStagesAsync(cancellationToken).ConfigureAwait(false);
        var stage = stages.First(s => s.Outcome == outcome);
        var opportunity = await GetAsync(SalesEntities.Opportunity, opportunityId, cancellationToken).ConfigureAwait(false);
        var status = opportunity.Text(OpportunityFields.Status);
        if (status is OpportunityStatus.Won or OpportunityStatus.Lost)
        {
            throw new CrmOperationRejectedException($"opportunity {opportunityId} is already {status}; move it back to an open stage first.", OpportunityFields.Status);
        }

        return await tenant.Records.UpdateAsync(
            SalesEntities.Opportunity, opportunityId, opportunity.Version,
            new Dictionary<string, object?> { [OpportunityFields.Stage] = stage.Name, [OpportunityFields.CloseReason] = reason.Trim() }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<CrmRecord> GetAsync(string entityType, Guid id, CancellationToken cancellationToken) =>
        await tenant.Records.GetAsync(entityType, id, cancellationToken).ConfigureAwait(false) ?? throw new CrmNotFoundException(entityType, id);

    private Task<IReadOnlyList<CrmRecord>> QueryAsync(RecordQuery query, CancellationToken cancellationToken) => tenant.Records.ReadAllAsync(query, cancellationToken);

    private static void SetIfGiven(Dictionary<string, object?> values, string field, string? value)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            values[field] = value.Trim();
        }
    }
}
