using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;

namespace Crm.Engine.Tests.Work;

public sealed class TemplateTests
{
    private static async Task<(CrmTestHost Host, ITemplateService Templates)> StartAsync()
    {
        var host = await CrmTestHost.StartAsync();
        await host.CreateTenantAsync();
        return (host, host.Work().Templates);
    }

    [Fact]
    public async Task Render_SubjectAndBody_WithNestedDataAndLoops()
    {
        var (host, templates) = await StartAsync();
        await using var _ = host;
        await templates.SaveAsync(new TemplateDefinition("complaint-received", "Complaint {{ case.number }} ({{ case.priority | upcase }})",
            "Dear {{ recipient.name }},\n{% for line in case.lines %}- {{ line.product }} x{{ line.qty }}\n{% endfor %}Due: {{ case.due }}"));

        var rendered = await templates.RenderAsync("complaint-received", new Dictionary<string, object?>
        {
            ["recipient"] = new Dictionary<string, object?> { ["name"] = "Quinn" },
            ["case"] = new Dictionary<string, object?>
            {
                ["number"] = "C-42",
                ["priority"] = "urgent",
                ["due"] = new DateOnly(2026, 4, 7),
                ["lines"] = new List<object?>
                {
                    new Dictionary<string, object?> { ["product"] = "Pump", ["qty"] = 2 },
                    new Dictionary<string, object?> { ["product"] = "Valve", ["qty"] = 1 },
                },
            },
        });

        Assert.Equal("Complaint C-42 (URGENT)", rendered.Subject);
        Assert.Equal("Dear Quinn,\n- Pump x2\n- Valve x1\nDue: 2026-04-07", rendered.Body);
        Assert.Equal("complaint-received", (await templates.GetAsync("complaint-received"))!.Key);
    }

    [Fact]
    public async Task Save_TemplateThatDoesNotParse_NamesTemplateAndLine()
    {
        var (host, templates) = await StartAsync();
        await using var _ = host;
        var error = await Assert.ThrowsAsync<CrmTemplateException>(() => templates.SaveAsync(new TemplateDefinition("broken", null, "line one\nline two {% if x %}\nno endif")));
        Assert.Equal(("broken", "body"), (error.TemplateKey, error.Part));
        Assert.True(error.Line > 0, error.Message);
        Assert.Contains("'broken'", error.Message, StringComparison.Ordinal);
        Assert.Null(await templates.GetAsync("broken"));
    }

    [Fact]
    public async Task Render_MissingField_NamesTemplateFieldAndLine()
    {
        var (host, templates) = await StartAsync();
        await using var _ = host;
        await templates.SaveAsync(new TemplateDefinition("plan-overdue", null, "Hello {{ name }},\nthe case {{ caseNumber }} is overdue."));

        var error = await Assert.ThrowsAsync<CrmTemplateException>(() => templates.RenderAsync("plan-overdue", new Dictionary<string, object?> { ["name"] = "Quinn" }));
        Assert.Equal(("plan-overdue", "caseNumber", 2), (error.TemplateKey, error.Field, error.Line));
        Assert.Contains("'plan-overdue'", error.Message, StringComparison.Ordinal);
        Assert.Contains("caseNumber", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);

        // A missing member of a nested object, after a loop and a filter that must not be mistaken for fields.
        await templates.SaveAsync(new TemplateDefinition("nested", "{{ 'x' | append: case.number }}",
            "{% for l in case.lines %}{{ l.qty | plus: 1 }}{% endfor %}\n{% assign n = case.number %}{{ n }}\nOwner: {{ case.owner.name | upcase }}"));
        var nested = await Assert.ThrowsAsync<CrmTemplateException>(() => templates.RenderAsync("nested", new Dictionary<string, object?>
        {
            ["case"] = new Dictionary<string, object?> { ["number"] = "C-1", ["lines"] = new List<object?>(), ["owner"] = new Dictionary<string, object?>() },
        }));
        Assert.Equal(("nested", "body", "case.owner.name", 3), (nested.TemplateKey, nested.Part, nested.Field, nested.Line));
    }

    [Fact]
    public async Task Render_AFieldGivenWithoutAValue_RendersEmptyAndIsFalse_WhileAMissingOneIsStillAnError()
    {
        var (host, templates) = await StartAsync();
        await using var _ = host;
        await templates.SaveAsync(new TemplateDefinition("empty", null, "[{{ product }}][{% if product %}yes{% else %}no{% endif %}][{{ case.serial }}][{{ case.serial | default: 'n/a' }}]"));

        var rendered = await templates.RenderAsync("empty", new Dictionary<string, object?> { ["product"] = null, ["case"] = new Dictionary<string, object?> { ["serial"] = null } });
        var missing = await Assert.ThrowsAsync<CrmTemplateException>(() => templates.RenderAsync("empty", new Dictionary<string, object?> { ["product"] = null, ["case"] = new Dictionary<string, object?>() }));

        Assert.Equal("[][no][][n/a]", rendered.Body);
        Assert.Equal("case.serial", missing.Field);
    }

    [Fact]
    public async Task Render_IsSandboxed_NoDotNetMembersAndBoundedLoops()
    {
        var (host, templates) = await StartAsync();
        await using var _ = host;
        await templates.SaveAsync(new TemplateDefinition("probe", null, "{{ user.Password }}"));
        await templates.SaveAsync(new TemplateDefinition("text", null, "{{ user }}"));
        await templates.SaveAsync(new TemplateDefinition("loop", null, "{% for i in (1..10000000) %}x{% endfor %}"));
        var data = new Dictionary<string, object?> { ["user"] = new Secretive() };

        // A .NET object's members are not reachable: the member is simply not in the data.
        var probe = await Assert.ThrowsAsync<CrmTemplateException>(() => templates.RenderAsync("probe", data));
        Assert.Equal("user.Password", probe.Field);
        Assert.DoesNotContain("s3cret", probe.Message, StringComparison.Ordinal);

        // Objects other than plain data are only their text.
        Assert.Equal("Secretive user", (await templates.RenderAsync("text", data)).Body);
        var loop = await Assert.ThrowsAsync<CrmTemplateException>(() => templates.RenderAsync("loop", new Dictionary<string, object?>()));
        Assert.Equal("loop", loop.TemplateKey);
        Assert.Contains("rendering limits", loop.Message, StringComparison.Ordinal);
    }

    public sealed class Secretive
    {
        public string Password { get; } = "s3cret";

        public override string ToString() => "Secretive user";
    }
}
