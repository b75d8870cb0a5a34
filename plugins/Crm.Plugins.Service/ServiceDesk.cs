using System.Globalization;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Work;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Plugins.Service;

/// <summary>The <see cref="IServiceDesk"/> singleton.</summary>
internal sealed class ServiceDesk(IServiceProvider services, IWorkServices work, TimeProvider clock, ServiceDeskOptions options) : IServiceDesk
{
    public IServiceDeskTenant ForTenant(ICrmTenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new ServiceDeskTenant(tenant, work.ForCaller(tenant.Caller), services.GetRequiredService<ICrmEngine>(), clock, options);
    }
}

/// <summary>The service desk of one tenant for one caller.</summary>
internal sealed class ServiceDeskTenant(ICrmTenant tenant, ITenantWork work, ICrmEngine engine, TimeProvider clock, ServiceDeskOptions options) : IServiceDeskTenant
{
    private IRecordService Records => tenant.Records;

    public ICrmTenant Tenant => tenant;

    public async Task<CrmRecord> OpenCaseAsync(NewCase newCase, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newCase);
        var values = CaseValues(newCase);
        await ApplyWarrantyAsync(values, cancellationToken).ConfigureAwait(false);
        return await CreateCaseAsync(values, newCase.OwnerId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> OpenFromOrderLineAsync(Guid orderLineId, NewCase newCase, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(newCase);
        var entities = await tenant.Metadata.ListEntitiesAsync(cancellationToken).ConfigureAwait(false);
        if (!entities.Any(e => e.ApiName == Commerce.OrderLine))
        {
            throw new CrmConfigurationException(
                $"opening a case from an order line needs the commerce module (Crm.Plugins.Commerce, entity '{Commerce.OrderLine}'), which is not installed in this engine.");
        }

        var line = await Records.GetAsync(Commerce.OrderLine, orderLineId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(Commerce.OrderLine, orderLineId);
        var order = line[Commerce.LineOrderId] is Guid orderId
            ? await Records.GetAsync(Commerce.Order, orderId, cancellationToken).ConfigureAwait(false)
            : null;

        var values = CaseValues(newCase);
        void Fill(string field, object? value)
        {
            if (value is not null && (!values.TryGetValue(field, out var given) || given is null))
            {
                values[field] = value;
            }
        }

        values[CaseFields.OrderLineId] = orderLineId;
        Fill(CaseFields.OrderId, line[Commerce.LineOrderId]);
        Fill(CaseFields.AccountId, line[Commerce.LineAccountId] ?? order?[Commerce.OrderAccountId]);
        Fill(CaseFields.ContactId, order?[Commerce.OrderContactId]);
        Fill(CaseFields.ProductId, line[Commerce.LineProductId]);
        Fill(CaseFields.ProductName, line[Commerce.LineProductName]);
        Fill(CaseFields.SerialNumber, line[Commerce.LineSerialNumber]);
        Fill(CaseFields.Barcode, line[Commerce.LineBarcode]);
        Fill(CaseFields.ShipDate, line[Commerce.LineShipDate]);
        var warrantyUntil = line[Commerce.LineWarrantyUntil] as DateOnly?;
        if (warrantyUntil is null && line[Commerce.LineShipDate] is DateOnly shipped && line[Commerce.LineWarrantyMonths] is decimal months && months >= 0)
        {
            warrantyUntil = shipped.AddMonths((int)months);
        }

        Fill(CaseFields.WarrantyUntil, warrantyUntil);
        await ApplyWarrantyAsync(values, cancellationToken).ConfigureAwait(false);
        return await CreateCaseAsync(values, newCase.OwnerId, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> SetSlaAsync(Guid caseId, BusinessDuration within, decimal? warnAtPercent = null, string? calendar = null, CancellationToken cancellationToken = default)
    {
        var @case = await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        if (ServiceRules.IsFinished(@case))
        {
            throw new CrmOperationRejectedException($"case {Number(@case)} is {@case[CaseFields.Status]}: reopen it before setting its SLA.", CaseFields.SlaDueAt);
        }

        var percent = warnAtPercent ?? options.DefaultWarnAtPercent;
        if (percent is < 0 or >= 100)
        {
            throw new CrmValidationException(new CrmValidationError(ServiceEntities.Case, "warnAt", percent, "out_of_range",
                string.Create(CultureInfo.InvariantCulture, $"warnAt must be a percentage from 1 to 99 (0 for no warning), not {percent}.")));
        }

        var sla = await ServiceRules.ComputeSlaAsync(work.Calendars, @case, within, percent, calendar, clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var updated = await Records.UpdateAsync(ServiceEntities.Case, caseId, null, sla.Values, cancellationToken).ConfigureAwait(false);
        await ServiceRules.ScheduleSlaTimersAsync(work.Timers, caseId, sla.WarningAt, sla.DueAt, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    public async Task<SubmittedPlan> SubmitPlanAsync(Guid caseId, string plan, IReadOnlyList<PlanTask> tasks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        if (string.IsNullOrWhiteSpace(plan))
        {
            throw new CrmValidationException(new CrmValidationError(ServiceEntities.Case, CaseFields.Plan, plan, "required", "the handling plan must not be empty."));
        }

        var @case = await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        RequireOpen(@case, "submit a plan");
        var now = clock.GetUtcNow();
        var calendars = new Dictionary<string, IBusinessCalendar>(StringComparer.Ordinal);
        var dues = new List<DateTimeOffset>();
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i] ?? throw new CrmValidationException(new CrmValidationError("planTask", "tasks", i, "required", $"task {i + 1} of the plan is missing."));
            if (string.IsNullOrWhiteSpace(task.Subject))
            {
                throw new CrmValidationException(new CrmValidationError("planTask", "subject", i, "required", $"task {i + 1} of the plan has no subject."));
            }

            if (task.DueAt is { } due)
            {
                dues.Add(due.ToUniversalTime());
            }
            else if (task.Within is { } within)
            {
                var key = task.Calendar ?? BusinessCalendarDefinition.DefaultKey;
                if (!calendars.TryGetValue(key, out var calendar))
                {
                    calendar = calendars[key] = await work.Calendars.GetAsync(key, cancellationToken).ConfigureAwait(false);
                }

                dues.Add(within.AddTo(calendar, now).ToUniversalTime());
            }
            else
            {
                throw new CrmValidationException(new CrmValidationError("planTask", "dueAt", task.Subject, "required",
                    $"task {i + 1} of the plan ('{task.Subject}') has neither a due time (DueAt) nor a business duration (Within)."));
            }
        }

        var created = new List<CrmRecord>();
        for (var i = 0; i < tasks.Count; i++)
        {
            created.Add(await Records.CreateAsync(
                CoreEntities.Activity,
                new Dictionary<string, object?>
                {
                    [ActivityFields.Subject] = tasks[i].Subject,
                    [ActivityFields.ActivityType] = ActivityTypes.Task,
                    [ActivityFields.Status] = ActivityStatuses.Open,
                    [ActivityFields.Regarding] = new RecordRef(ServiceEntities.Case, caseId),
                    [ActivityFields.DueAt] = dues[i],
                    [ActivityFields.OccurredAt] = now,
                    [ActivityFields.Description] = tasks[i].Description,
                },
                new CreateOptions { OwnerId = tasks[i].OwnerId },
                cancellationToken).ConfigureAwait(false));
        }

        var updated = await Records.UpdateAsync(ServiceEntities.Case, caseId, null, new Dictionary<string, object?>
        {
            [CaseFields.Plan] = plan,
            [CaseFields.PlanSubmitted] = true,
            [CaseFields.Status] = CaseStatus.Planned,
        }, cancellationToken).ConfigureAwait(false);
        return new SubmittedPlan(updated, created);
    }

    public async Task<CaseProgress> GetProgressAsync(Guid caseId, CancellationToken cancellationToken = default)
    {
        await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        var tasks = await TasksOfAsync(caseId, cancellationToken).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var open = tasks.Where(t => (t[ActivityFields.Status] as string ?? ActivityStatuses.Open) == ActivityStatuses.Open).ToList();
        return new CaseProgress(
            caseId,
            tasks.Count,
            open.Count,
            tasks.Count(t => t[ActivityFields.Status] as string == ActivityStatuses.Completed),
            open.Count(t => t[ActivityFields.DueAt] is DateTimeOffset due && due < now),
            tasks);
    }

    public async Task<CrmRecord> RecordRootCauseAsync(Guid caseId, string rootCause, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(rootCause))
        {
            throw new CrmValidationException(new CrmValidationError(ServiceEntities.Case, CaseFields.RootCause, rootCause, "required", "the root cause must not be empty."));
        }

        await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        return await Records.UpdateAsync(ServiceEntities.Case, caseId, null, new Dictionary<string, object?> { [CaseFields.RootCause] = rootCause }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> ProposeMeasureAsync(Guid caseId, NewMeasure measure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(measure);
        var @case = await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        return await Records.CreateAsync(ServiceEntities.PreventiveMeasure, new Dictionary<string, object?>
        {
            [PreventiveMeasureFields.CaseId] = caseId,
            [PreventiveMeasureFields.AccountId] = @case[CaseFields.AccountId],
            [PreventiveMeasureFields.Description] = measure.Description,
            [PreventiveMeasureFields.DueDate] = measure.DueDate,
            [PreventiveMeasureFields.Status] = MeasureStatus.Proposed,
            [PreventiveMeasureFields.FedBackToCustomer] = false,
        }, (measure.OwnerId ?? (tenant.Caller.IsSystem ? @case.OwnerId : null)) is { } owner ? new CreateOptions { OwnerId = owner } : null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> ReviewMeasureAsync(Guid measureId, MeasureDecision decision, string? comment = null, CancellationToken cancellationToken = default)
    {
        var measure = await GetMeasureAsync(measureId, cancellationToken).ConfigureAwait(false);
        var reviewer = tenant.Caller.UserId
            ?? throw new CrmAccessDeniedException(
                $"reviewing preventive measures needs a user holding the '{options.ReviewerRole}' role for the customer; call the service desk as that user (tenant.AsUser(id)).",
                ServiceEntities.PreventiveMeasure);
        if (measure[PreventiveMeasureFields.Status] as string != MeasureStatus.Proposed)
        {
            throw new CrmOperationRejectedException(
                $"preventive measure {measureId} is {measure[PreventiveMeasureFields.Status]}; only a proposed measure can be reviewed.", PreventiveMeasureFields.Status);
        }

        var caseId = (Guid)measure[PreventiveMeasureFields.CaseId]!;
        var holders = await work.Responsibility.ResolveRoleHoldersAsync(options.ReviewerRole, caseId, cancellationToken).ConfigureAwait(false);
        if (!holders.Any(h => h.Id == reviewer))
        {
            throw new CrmAccessDeniedException(
                $"user {reviewer} may not review preventive measure {measureId}: only holders of the '{options.ReviewerRole}' role for the case's customer may ({(holders.Count == 0 ? "nobody holds it" : string.Join(", ", holders.Select(h => h.UserName)))}).",
                ServiceEntities.PreventiveMeasure);
        }

        return await Records.UpdateAsync(ServiceEntities.PreventiveMeasure, measureId, measure.Version, new Dictionary<string, object?>
        {
            [PreventiveMeasureFields.Status] = decision == MeasureDecision.Approve ? MeasureStatus.Approved : MeasureStatus.Rejected,
            [PreventiveMeasureFields.ReviewedBy] = reviewer.ToString("D"),
            [PreventiveMeasureFields.ReviewedAt] = clock.GetUtcNow(),
            [PreventiveMeasureFields.ReviewComment] = comment,
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> MarkMeasureImplementedAsync(Guid measureId, CancellationToken cancellationToken = default)
    {
        var measure = await GetMeasureAsync(measureId, cancellationToken).ConfigureAwait(false);
        if (measure[PreventiveMeasureFields.Status] as string != MeasureStatus.Approved)
        {
            throw new CrmOperationRejectedException(
                $"preventive measure {measureId} is {measure[PreventiveMeasureFields.Status]}; only an approved measure can be marked implemented.", PreventiveMeasureFields.Status);
        }

        return await Records.UpdateAsync(ServiceEntities.PreventiveMeasure, measureId, measure.Version,
            new Dictionary<string, object?> { [PreventiveMeasureFields.Status] = MeasureStatus.Implemented }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> MarkFedBackAsync(Guid measureId, CancellationToken cancellationToken = default)
    {
        var measure = await GetMeasureAsync(measureId, cancellationToken).ConfigureAwait(false);
        return await Records.UpdateAsync(ServiceEntities.PreventiveMeasure, measureId, measure.Version, new Dictionary<string, object?>
        {
            [PreventiveMeasureFields.FedBackToCustomer] = true,
            [PreventiveMeasureFields.FedBackAt] = clock.GetUtcNow(),
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> ResolveAsync(Guid caseId, string resolution, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(resolution))
        {
            throw new CrmValidationException(new CrmValidationError(ServiceEntities.Case, CaseFields.Resolution, resolution, "required", "the resolution must not be empty."));
        }

        var @case = await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        RequireOpen(@case, "resolve it");

        // The case handler sets resolvedAt and the final SLA state and cancels the SLA timers (also when a rule or a
        // user sets the status directly).
        return await Records.UpdateAsync(ServiceEntities.Case, caseId, @case.Version, new Dictionary<string, object?>
        {
            [CaseFields.Status] = CaseStatus.Resolved,
            [CaseFields.Resolution] = resolution,
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> CloseAsync(Guid caseId, bool force = false, CancellationToken cancellationToken = default)
    {
        var @case = await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        if (@case[CaseFields.Status] as string is CaseStatus.Closed or CaseStatus.Cancelled)
        {
            throw new CrmOperationRejectedException($"case {Number(@case)} is already {@case[CaseFields.Status]}.", CaseFields.Status);
        }

        // Every open task of the case counts, also those the caller may not read (another unit's owner); the message
        // names only the ones the caller may see.
        var system = engine.ForTenant(Crm.Engine.Abstractions.Tenancy.CallerContext.System(tenant.TenantId, ServicePlugin.Id));
        var open = (await system.Records.ReadAllAsync(TasksQuery(caseId), cancellationToken).ConfigureAwait(false))
            .Where(t => (t[ActivityFields.Status] as string ?? ActivityStatuses.Open) == ActivityStatuses.Open).ToList();
        if (open.Count > 0 && !force)
        {
            var visible = (await TasksOfAsync(caseId, cancellationToken).ConfigureAwait(false)).Select(t => t.Id).ToHashSet();
            var named = open.Where(t => visible.Contains(t.Id)).Select(t => $"'{t[ActivityFields.Subject]}'").ToList();
            throw new CrmOperationRejectedException(
                string.Create(CultureInfo.InvariantCulture, $"case {Number(@case)} has {open.Count} open task(s){(named.Count == 0 ? string.Empty : $" ({string.Join(", ", named)}{(named.Count < open.Count ? ", and others you may not see" : string.Empty)})")}: complete them, or close with force to cancel them."),
                CaseFields.Status);
        }

        foreach (var task in open)
        {
            // Cancelling the case's tasks is part of the forced close: done (and audited) as the module.
            await system.Records.UpdateAsync(CoreEntities.Activity, task.Id, null, new Dictionary<string, object?> { [ActivityFields.Status] = ActivityStatuses.Canceled }, cancellationToken).ConfigureAwait(false);
        }

        return await Records.UpdateAsync(ServiceEntities.Case, caseId, null, new Dictionary<string, object?> { [CaseFields.Status] = CaseStatus.Closed }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord> ReopenAsync(Guid caseId, CancellationToken cancellationToken = default)
    {
        var @case = await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        if (!ServiceRules.IsFinished(@case))
        {
            throw new CrmOperationRejectedException($"case {Number(@case)} is {@case[CaseFields.Status]}, not resolved or closed: there is nothing to reopen.", CaseFields.Status);
        }

        var now = clock.GetUtcNow();
        var changes = new Dictionary<string, object?>
        {
            [CaseFields.Status] = CaseStatus.InProgress,
            [CaseFields.ResolvedAt] = null,
            [CaseFields.ClosedAt] = null,
        };
        var due = @case[CaseFields.SlaDueAt] as DateTimeOffset?;
        if (due is { } d)
        {
            changes[CaseFields.SlaState] = d > now ? SlaState.OnTrack : SlaState.Breached;
        }

        var updated = await Records.UpdateAsync(ServiceEntities.Case, caseId, @case.Version, changes, cancellationToken).ConfigureAwait(false);
        if (due is { } pending && pending > now)
        {
            await ServiceRules.ScheduleSlaTimersAsync(work.Timers, caseId, null, pending, cancellationToken).ConfigureAwait(false);
        }

        return updated;
    }

    public async Task<CrmRecord> GenerateDocumentAsync(Guid caseId, string templateKey, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(templateKey))
        {
            throw new CrmValidationException(new CrmValidationError("template", "key", templateKey, "required", "a template key is needed to generate a case document."));
        }

        var @case = await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        if (await work.Templates.GetAsync(templateKey, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new CrmValidationException(new CrmValidationError("template", "key", templateKey, "not_found",
                $"no template with key '{templateKey}' exists in this tenant; save it first (work.Templates.SaveAsync)."));
        }

        var data = await DocumentData.BuildAsync(tenant, @case, await TasksOfAsync(caseId, cancellationToken).ConfigureAwait(false), clock.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var rendered = await work.Templates.RenderAsync(templateKey, data, cancellationToken).ConfigureAwait(false);
        return await Records.CreateAsync(ServiceEntities.CaseDocument, new Dictionary<string, object?>
        {
            [CaseDocumentFields.CaseId] = caseId,
            [CaseDocumentFields.TemplateKey] = templateKey,
            [CaseDocumentFields.Title] = rendered.Subject ?? @case[CaseFields.Subject],
            [CaseDocumentFields.Body] = rendered.Body,
            [CaseDocumentFields.GeneratedAt] = clock.GetUtcNow(),
        }, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ArticleSuggestion>> SuggestArticlesAsync(Guid caseId, int maxResults = 5, CancellationToken cancellationToken = default)
    {
        if (maxResults is < 1 or > 100)
        {
            throw new CrmValidationException(new CrmValidationError(ServiceEntities.KnowledgeArticle, "maxResults", maxResults, "out_of_range", "maxResults must be from 1 to 100."));
        }

        var @case = await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        var words = KnowledgeSearch.Words(@case[CaseFields.Subject] as string);
        var productId = @case[CaseFields.ProductId] as Guid?;
        var suggestions = new List<ArticleSuggestion>();
        foreach (var article in await Records.ReadAllAsync(RecordQuery.For(ServiceEntities.KnowledgeArticle).Where(KnowledgeArticleFields.Status, ArticleStatus.Published), cancellationToken).ConfigureAwait(false))
        {
            var text = KnowledgeSearch.Words($"{article[KnowledgeArticleFields.Title]} {article[KnowledgeArticleFields.Keywords]} {article[KnowledgeArticleFields.Problem]}");
            var matched = words.Where(text.Contains).ToList();
            var score = matched.Count + (productId is { } p && article[KnowledgeArticleFields.ProductId] as Guid? == p ? 10 : 0);
            if (score > 0)
            {
                suggestions.Add(new ArticleSuggestion(article, score, matched));
            }
        }

        return [.. suggestions.OrderByDescending(s => s.Score).ThenBy(s => s.Article[KnowledgeArticleFields.Title] as string, StringComparer.OrdinalIgnoreCase).Take(maxResults)];
    }

    public async Task<CrmRecord> LinkArticleAsync(Guid caseId, Guid articleId, string? note = null, CancellationToken cancellationToken = default)
    {
        await GetCaseAsync(caseId, cancellationToken).ConfigureAwait(false);
        _ = await Records.GetAsync(ServiceEntities.KnowledgeArticle, articleId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(ServiceEntities.KnowledgeArticle, articleId);
        var existing = await Records.QueryAsync(RecordQuery.For(ServiceEntities.CaseArticle).Where(CaseArticleFields.CaseId, caseId).Where(CaseArticleFields.ArticleId, articleId).Take(1), cancellationToken).ConfigureAwait(false);
        if (existing.Records.Count > 0)
        {
            return existing.Records[0];
        }

        return await Records.CreateAsync(ServiceEntities.CaseArticle, new Dictionary<string, object?>
        {
            [CaseArticleFields.CaseId] = caseId,
            [CaseArticleFields.ArticleId] = articleId,
            [CaseArticleFields.Note] = note,
        }, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<CrmRecord?> FindEntitlementAsync(Guid accountId, Guid? productId, DateOnly onDate, CancellationToken cancellationToken = default)
    {
        var query = RecordQuery.For(ServiceEntities.Entitlement)
            .Where(EntitlementFields.AccountId, accountId)
            .Where(EntitlementFields.StartDate, FilterOperator.LessOrEqual, onDate)
            .Where(EntitlementFields.EndDate, FilterOperator.GreaterOrEqual, onDate)
            .OrderByDescending(EntitlementFields.EndDate);
        CrmRecord? general = null;
        foreach (var entitlement in await Records.ReadAllAsync(query, cancellationToken).ConfigureAwait(false))
        {
            var covers = entitlement[EntitlementFields.ProductId] as Guid?;
            if (covers is not null && covers == productId)
            {
                return entitlement;
            }

            if (covers is null)
            {
                general ??= entitlement;
            }
        }

        return general;
    }

    private async Task<CrmRecord> CreateCaseAsync(Dictionary<string, object?> values, Guid? ownerId, CancellationToken cancellationToken) =>
        await Records.CreateAsync(ServiceEntities.Case, values, ownerId is null ? null : new CreateOptions { OwnerId = ownerId }, cancellationToken).ConfigureAwait(false);

    private Dictionary<string, object?> CaseValues(NewCase newCase)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (newCase.Fields is { } fields)
        {
            foreach (var (key, value) in fields)
            {
                values[key] = value;
            }
        }

        void Set(string field, object? value)
        {
            if (value is not null)
            {
                values[field] = value;
            }
        }

        values[CaseFields.Subject] = newCase.Subject;
        Set(CaseFields.Description, newCase.Description);
        Set(CaseFields.Category, newCase.Category);
        Set(CaseFields.ComplaintType, newCase.ComplaintType);
        Set(CaseFields.Priority, newCase.Priority);
        Set(CaseFields.Origin, newCase.Origin);
        Set(CaseFields.AccountId, newCase.AccountId);
        Set(CaseFields.ContactId, newCase.ContactId);
        Set(CaseFields.ProductId, newCase.ProductId);
        // Given in Fields (a complaint that came by letter three days ago), they are kept; else new, now.
        values.TryAdd(CaseFields.Status, CaseStatus.New);
        values[CaseFields.Status] ??= CaseStatus.New;
        values.TryAdd(CaseFields.OpenedAt, clock.GetUtcNow());
        values[CaseFields.OpenedAt] ??= clock.GetUtcNow();
        return values;
    }

    /// <summary>
    /// Warranty status against the opening date in the tenant's time zone. Precedence: an active entitlement covering
    /// the customer (for the product, or for every product) makes it in warranty; else the item's warranty end decides
    /// (in warranty up to and including that date, expired after); else unknown.
    /// </summary>
    private async Task ApplyWarrantyAsync(Dictionary<string, object?> values, CancellationToken cancellationToken)
    {
        var info = await engine.Tenants.GetAsync(tenant.TenantId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmTenantNotFoundException(tenant.TenantId);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(info.Settings.TimeZone);
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), zone).DateTime);
        var status = values.GetValueOrDefault(CaseFields.WarrantyUntil) is DateOnly until
            ? (today <= until ? WarrantyStatus.InWarranty : WarrantyStatus.Expired)
            : WarrantyStatus.Unknown;
        if (values.GetValueOrDefault(CaseFields.AccountId) is Guid accountId
            && await FindEntitlementAsync(accountId, values.GetValueOrDefault(CaseFields.ProductId) as Guid?, today, cancellationToken).ConfigureAwait(false) is { } entitlement)
        {
            status = WarrantyStatus.InWarranty;
            values[CaseFields.EntitlementId] = entitlement.Id;
        }

        if (!values.TryGetValue(CaseFields.WarrantyStatus, out var given) || given is null)
        {
            values[CaseFields.WarrantyStatus] = status;
        }
    }

    private async Task<CrmRecord> GetCaseAsync(Guid caseId, CancellationToken cancellationToken) =>
        await Records.GetAsync(ServiceEntities.Case, caseId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(ServiceEntities.Case, caseId);

    private async Task<CrmRecord> GetMeasureAsync(Guid measureId, CancellationToken cancellationToken) =>
        await Records.GetAsync(ServiceEntities.PreventiveMeasure, measureId, cancellationToken).ConfigureAwait(false)
            ?? throw new CrmNotFoundException(ServiceEntities.PreventiveMeasure, measureId);

    private async Task<IReadOnlyList<CrmRecord>> TasksOfAsync(Guid caseId, CancellationToken cancellationToken) =>
        await Records.ReadAllAsync(TasksQuery(caseId), cancellationToken).ConfigureAwait(false);

    private static RecordQuery TasksQuery(Guid caseId) => RecordQuery.For(CoreEntities.Activity)
        .Where(ActivityFields.Regarding, new RecordRef(ServiceEntities.Case, caseId))
        .Where(ActivityFields.ActivityType, ActivityTypes.Task)
        .OrderBy(ActivityFields.DueAt);

    private static void RequireOpen(CrmRecord @case, string what)
    {
        if (ServiceRules.IsFinished(@case))
        {
            throw new CrmOperationRejectedException($"case {Number(@case)} is {@case[CaseFields.Status]}: reopen it to {what}.", CaseFields.Status);
        }
    }

    private static string Number(CrmRecord @case) => @case[CaseFields.CaseNumber] as string ?? @case.Id.ToString("D");
}
