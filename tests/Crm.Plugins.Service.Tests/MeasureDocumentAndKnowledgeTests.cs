using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Abstractions.Work;
using Crm.Plugins.Commerce;

namespace Crm.Plugins.Service.Tests;

public sealed class MeasureDocumentAndKnowledgeTests
{
    [Fact]
    public async Task ReviewMeasure_BySalesManagerOfTheCustomer_Approves_OtherUserIsRefused()
    {
        await using var f = await ServiceFixture.StartAsync();
        var unit = await f.Tenant.Organization.CreateUnitAsync("Key accounts");
        var sales = await f.UserAsync("sales", SystemRoles.ServiceManager, unit.Id);
        var otherSales = await f.UserAsync("othersales", SystemRoles.ServiceManager);
        await f.DefineJobRoleAsync("salesManager", sales.Id, unit.Id);
        var south = await f.Tenant.Organization.CreateUnitAsync("South");
        await f.Tenant.Organization.GrantRoleAsync(new Engine.Abstractions.Organization.RoleAssignment(otherSales.Id, "salesManager", south.Id));
        var account = await f.AccountAsync();
        await f.Work.Responsibility.LinkCustomerAsync(account.Id, unit.Id);
        var reviewed = new List<PreventiveMeasureReviewed>();
        using var _ = f.Host.Engine.Events.Subscribe<PreventiveMeasureReviewed>((e, _) => { reviewed.Add(e); return Task.CompletedTask; });
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak", AccountId = account.Id, OwnerId = sales.Id });
        await f.Desk.RecordRootCauseAsync(@case.Id, "Seal material from supplier Z");
        var measure = await f.Desk.ProposeMeasureAsync(@case.Id, new NewMeasure("Incoming inspection of seals") { OwnerId = sales.Id, DueDate = new DateOnly(2026, 4, 30) });
        Assert.Equal((MeasureStatus.Proposed, (object?)account.Id, (Guid?)sales.Id), (measure[PreventiveMeasureFields.Status], measure[PreventiveMeasureFields.AccountId], measure.OwnerId));

        var refused = await Assert.ThrowsAsync<CrmAccessDeniedException>(() => f.DeskFor(f.Tenant.AsUser(otherSales.Id)).ReviewMeasureAsync(measure.Id, MeasureDecision.Approve));
        Assert.Contains("'salesManager'", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => f.Desk.ReviewMeasureAsync(measure.Id, MeasureDecision.Approve)); // the system is no reviewer

        f.Host.Clock.Advance(TimeSpan.FromHours(2));
        var approved = await f.DeskFor(f.Tenant.AsUser(sales.Id)).ReviewMeasureAsync(measure.Id, MeasureDecision.Approve, "Good");

        Assert.Equal((MeasureStatus.Approved, sales.Id.ToString("D"), "Good"), (approved[PreventiveMeasureFields.Status], approved[PreventiveMeasureFields.ReviewedBy], approved[PreventiveMeasureFields.ReviewComment]));
        Assert.Equal(ServiceFixture.FridayAfternoon.AddHours(2), approved[PreventiveMeasureFields.ReviewedAt]);
        var e = Assert.Single(reviewed);
        Assert.Equal((measure.Id, (Guid?)@case.Id, MeasureStatus.Approved, (Guid?)sales.Id), (e.MeasureId, e.CaseId, e.Status, e.ReviewedBy));
        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => f.DeskFor(f.Tenant.AsUser(sales.Id)).ReviewMeasureAsync(measure.Id, MeasureDecision.Reject));

        var fedBack = await f.Desk.MarkFedBackAsync(measure.Id);
        Assert.Equal((true, (object?)ServiceFixture.FridayAfternoon.AddHours(2)), (fedBack[PreventiveMeasureFields.FedBackToCustomer], fedBack[PreventiveMeasureFields.FedBackAt]));
        Assert.Equal(MeasureStatus.Implemented, (await f.Desk.MarkMeasureImplementedAsync(measure.Id))[PreventiveMeasureFields.Status]);
    }

    [Fact]
    public async Task GenerateDocument_RendersTheTenantsTemplateWithCaseCustomerLineTasksAndMeasures_AndKeepsIt()
    {
        await using var f = await ServiceFixture.StartAsync();
        var user = await f.UserAsync("quality", SystemRoles.ServiceManager);
        var account = await f.AccountAsync();
        var (_, _, line, _) = await f.OrderLineAsync(account.Id, new DateOnly(2025, 6, 2), 24);
        var @case = await f.Desk.OpenFromOrderLineAsync(line.Id, new NewCase { Subject = "Pump leaks", Category = CaseCategory.Complaint });
        await f.Desk.SubmitPlanAsync(@case.Id, "Replace the seals", [new PlanTask("Analyse", user.Id) { Within = BusinessDuration.FromBusinessDays(1) }]);
        await f.Desk.RecordRootCauseAsync(@case.Id, "Bad seal batch");
        await f.Desk.ProposeMeasureAsync(@case.Id, new NewMeasure("Inspect seals"));
        await f.Work.Templates.SaveAsync(new TemplateDefinition("complaint.report", "Complaint {{ case.caseNumber }}",
            "{{ customer.name }} / {{ contact.lastName }} / {{ orderLine.serialNumber }} / {{ case.warrantyStatus }}\n" +
            "Plan: {{ plan }}\n{% for t in tasks %}- {{ t.subject }} ({{ t.status }})\n{% endfor %}" +
            "Root cause: {{ rootCause }}\n{% for m in measures %}* {{ m.description }}: {{ m.status }}\n{% endfor %}{% if case.resolution != blank %}done{% else %}open{% endif %}"));

        var document = await f.Desk.GenerateDocumentAsync(@case.Id, "complaint.report");

        Assert.Equal("Complaint CAS-2026-00001", document[CaseDocumentFields.Title]);
        Assert.Equal(
            "Brewer GmbH / Kunde / SN-1001 / inWarranty\nPlan: Replace the seals\n- Analyse (open)\nRoot cause: Bad seal batch\n* Inspect seals: proposed\nopen",
            document[CaseDocumentFields.Body]);
        var kept = await f.Tenant.Records.GetAsync(ServiceEntities.CaseDocument, document.Id);
        Assert.Equal((@case.Id, "complaint.report"), ((Guid)kept![CaseDocumentFields.CaseId]!, (string)kept[CaseDocumentFields.TemplateKey]!));
    }

    [Fact]
    public async Task GenerateDocument_UnknownTemplate_IsAnErrorNamingTheKey_AndNothingIsKept()
    {
        await using var f = await ServiceFixture.StartAsync();
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Leak" });

        var error = await Assert.ThrowsAsync<CrmValidationException>(() => f.Desk.GenerateDocumentAsync(@case.Id, "no.such.template"));

        Assert.Contains("'no.such.template'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await f.Tenant.Records.CountAsync(Engine.Abstractions.Records.RecordQuery.For(ServiceEntities.CaseDocument)));
    }

    [Fact]
    public async Task SuggestArticles_ByProductAndSubjectWords_PublishedOnly_BestFirst_AndLinkOnce()
    {
        await using var f = await ServiceFixture.StartAsync();
        var product = await f.Tenant.Records.CreateAsync(CommerceEntities.Product, new Dictionary<string, object?> { [ProductFields.Name] = "Pump P1" });
        async Task<Guid> Article(string title, string status, Guid? productId = null, string? keywords = null) =>
            (await f.Tenant.Records.CreateAsync(ServiceEntities.KnowledgeArticle, new Dictionary<string, object?>
            {
                [KnowledgeArticleFields.Title] = title, [KnowledgeArticleFields.Status] = status, [KnowledgeArticleFields.ProductId] = productId,
                [KnowledgeArticleFields.Keywords] = keywords, [KnowledgeArticleFields.Solution] = "...",
            })).Id;
        var forProduct = await Article("P1 maintenance", ArticleStatus.Published, product.Id);
        var byWords = await Article("Water leaks at the housing", ArticleStatus.Published, keywords: "seal, pump");
        await Article("Pump leaks (old)", ArticleStatus.Archived);
        await Article("Unrelated", ArticleStatus.Published, keywords: "billing");
        var @case = await f.Desk.OpenCaseAsync(new NewCase { Subject = "Pump leaks water", ProductId = product.Id });

        var suggestions = await f.Desk.SuggestArticlesAsync(@case.Id);

        Assert.Equal([forProduct, byWords], suggestions.Select(s => s.Article.Id));
        Assert.Equal(["LEAKS", "PUMP", "WATER"], suggestions[1].MatchedWords.Order(StringComparer.Ordinal));
        var link = await f.Desk.LinkArticleAsync(@case.Id, byWords, "Seal replaced as described");
        Assert.Equal(link.Id, (await f.Desk.LinkArticleAsync(@case.Id, byWords)).Id);
        await Assert.ThrowsAsync<CrmNotFoundException>(() => f.Desk.LinkArticleAsync(@case.Id, Guid.NewGuid()));
    }

    [Fact]
    public async Task AUserWithoutRightsOnTheCase_IsRefusedEverywhere()
    {
        await using var f = await ServiceFixture.StartAsync();
        var north = await f.Tenant.Organization.CreateUnitAsync("North");
        var south = await f.Tenant.Organization.CreateUnitAsync("South");
        var owner = await f.UserAsync("owner", SystemRoles.ServiceAgent, north.Id);
        var stranger = await f.UserAsync("stranger", SystemRoles.ServiceAgent, south.Id);
        var nobody = await f.Tenant.Organization.CreateUserAsync(new Engine.Abstractions.Organization.NewUser("nobody", "No roles"));
        var @case = await f.DeskFor(f.Tenant.AsUser(owner.Id)).OpenCaseAsync(new NewCase { Subject = "Leak" });
        await f.Work.Templates.SaveAsync(new TemplateDefinition("doc", null, "{{ case.subject }}"));

        foreach (var desk in new[] { f.DeskFor(f.Tenant.AsUser(stranger.Id)), f.DeskFor(f.Tenant.AsUser(nobody.Id)) })
        {
            await Assert.ThrowsAsync<CrmNotFoundException>(() => desk.GetProgressAsync(@case.Id));
            await Assert.ThrowsAsync<CrmNotFoundException>(() => desk.ResolveAsync(@case.Id, "x"));
            await Assert.ThrowsAsync<CrmNotFoundException>(() => desk.SetSlaAsync(@case.Id, BusinessDuration.FromBusinessDays(1)));
            await Assert.ThrowsAsync<CrmNotFoundException>(() => desk.SubmitPlanAsync(@case.Id, "plan", []));
            await Assert.ThrowsAsync<CrmNotFoundException>(() => desk.GenerateDocumentAsync(@case.Id, "doc"));
            await Assert.ThrowsAsync<CrmNotFoundException>(() => desk.ProposeMeasureAsync(@case.Id, new NewMeasure("x")));
        }

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => f.DeskFor(f.Tenant.AsUser(nobody.Id)).OpenCaseAsync(new NewCase { Subject = "x" }));
        var unchanged = await f.Tenant.Records.GetAsync(ServiceEntities.Case, @case.Id);
        Assert.Equal((CaseStatus.New, (object?)null), (unchanged![CaseFields.Status], unchanged[CaseFields.SlaDueAt]));

        // The owner can.
        Assert.Equal(CaseStatus.Resolved, (await f.DeskFor(f.Tenant.AsUser(owner.Id)).ResolveAsync(@case.Id, "ok"))[CaseFields.Status]);
    }
}
