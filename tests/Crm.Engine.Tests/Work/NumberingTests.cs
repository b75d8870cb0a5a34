using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Organization;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Tenancy;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests.Work;

/// <summary>A plugin entity numbered by the engine: tickets numbered per year, read-only to callers.</summary>
public sealed class TicketPlugin : ICrmPlugin
{
    public const string Ticket = "ticket";

    public void Configure(ICrmPluginBuilder builder)
    {
        builder.AddEntity(new EntityDefinition
        {
            ApiName = Ticket,
            DisplayName = "Ticket",
            PrimaryField = "subject",
            Fields =
            [
                new() { ApiName = "number", Type = FieldType.Text, AutoNumber = "TCK-{yyyy}-{seq:0000}", ReadOnly = true, MaxLength = 20 },
                new() { ApiName = "subject", Type = FieldType.Text, Required = true },
                new() { ApiName = "seenNumber", Type = FieldType.Text },
            ],
        });
        builder.AddPipelineHandler<NoteNumber>(PipelineMessages.Create, Ticket, PipelineStage.PreOperation);
    }

    /// <summary>Copies the number a PreOperation handler sees, and rejects a ticket whose subject says so.</summary>
    public sealed class NoteNumber(IWorkServices work) : IPipelineHandler
    {
        public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            if (context.Target["subject"] is "draw then reject")
            {
                await work.ForContext(context).Numbers.NextAsync("ticket-document", cancellationToken);
            }

            if (context.Target["subject"] is "reject" or "draw then reject")
            {
                throw new CrmOperationRejectedException("rejected by the test handler");
            }

            context.Target["seenNumber"] = context.Target["number"];
        }
    }
}

public sealed class NumberingTests
{
    private const string Ticket = TicketPlugin.Ticket;

    private static Task<CrmTestHost> StartAsync(DateTimeOffset? start = null, string? directory = null) =>
        CrmTestHost.StartAsync(b => b.AddPlugin(new TicketPlugin(), "tickets"), start: start, directory: directory);

    private static async Task<string?> NewTicketAsync(ICrmTenant crm, string subject = "printer jam") =>
        (string?)(await crm.Records.CreateAsync(Ticket, V(("subject", subject))))["number"];

    [Fact]
    public async Task Create_AutoNumberField_NumbersInOrderPaddedWithTheYear()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        Assert.Equal("TCK-2026-0001", await NewTicketAsync(crm));
        Assert.Equal("TCK-2026-0002", await NewTicketAsync(crm));
        var created = await crm.Records.CreateAsync(Ticket, V(("subject", "third")));
        Assert.Equal("TCK-2026-0003", (await crm.Records.GetAsync(Ticket, created.Id))!["number"]); // stored, not only returned
    }

    [Fact]
    public async Task Create_NewYearInTheTenantsTimeZone_CounterRestarts()
    {
        // 2026-12-31 11:00 UTC is already 2027-01-01 in Auckland (UTC+13 in summer).
        await using var host = await StartAsync(new DateTimeOffset(2026, 12, 31, 10, 0, 0, TimeSpan.Zero));
        var crm = await host.CreateTenantAsync("nz", new TenantSettings("Pacific/Auckland"));

        Assert.Equal("TCK-2026-0001", await NewTicketAsync(crm));
        Assert.Equal("TCK-2026-0002", await NewTicketAsync(crm));
        host.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal("TCK-2027-0001", await NewTicketAsync(crm));

        var sequences = await host.Work("nz").Numbers.ListAsync();
        Assert.Equal([("ticket.number@2026", 2L), ("ticket.number@2027", 1L)], sequences.Select(s => (s.Name, s.LastValue)));
    }

    [Fact]
    public async Task Create_HandlersAndPostImageSeeTheNumber()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var created = await crm.Records.CreateAsync(Ticket, V(("subject", "seen")));

        Assert.Equal("TCK-2026-0001", created["seenNumber"]);
    }

    [Fact]
    public async Task Create_Failing_GivesItsNumberBack_NoGaps()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        Assert.Equal("TCK-2026-0001", await NewTicketAsync(crm));

        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => crm.Records.CreateAsync(Ticket, V(("subject", "reject"))));
        await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateAsync(Ticket, V(("subject", ""))));
        await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateManyAsync(Ticket, [V(("subject", "fine")), V(("subject", null))]));

        Assert.Equal("TCK-2026-0002", await NewTicketAsync(crm));
    }

    [Fact]
    public async Task CreateMany_NumbersEachRowInOrder()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var created = await crm.Records.CreateManyAsync(Ticket, [V(("subject", "a")), V(("subject", "b")), V(("subject", "c"))]);

        Assert.Equal(["TCK-2026-0001", "TCK-2026-0002", "TCK-2026-0003"], created.Select(r => (string?)r["number"]));
    }

    [Fact]
    public async Task Create_ReadOnlyAutoNumber_CallerValueRefused()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateAsync(Ticket, V(("subject", "mine"), ("number", "TCK-1"))));

        Assert.Equal("number", Assert.Single(ex.Errors).Field);
    }

    [Fact]
    public async Task Create_TenantsNumberApart()
    {
        await using var host = await StartAsync();
        var a = await host.CreateTenantAsync("tenant-a");
        var b = await host.CreateTenantAsync("tenant-b");

        await NewTicketAsync(a);
        await NewTicketAsync(a);

        Assert.Equal("TCK-2026-0001", await NewTicketAsync(b));
    }

    [Fact]
    public async Task Create_TwoEnginesOnOneDatabaseInParallel_EveryNumberOnceWithoutGaps()
    {
        await using var first = await StartAsync();
        await first.CreateTenantAsync();
        await using var second = await StartAsync(directory: first.Directory);
        var engines = new[] { first.Engine.ForTenant("test"), second.Engine.ForTenant("test") };

        var numbers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => NewTicketAsync(engines[i % 2], $"call {i}"))));

        Assert.Equal(Enumerable.Range(1, 40).Select(n => $"TCK-2026-{n:0000}"), numbers.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CustomField_AutoNumberWithoutDate_KeepsCountingAndKeepsGivenValues()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        await crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "customerNo_c", Type = FieldType.Text, AutoNumber = "C{seq:00}{{x}}" });

        var first = await crm.Records.CreateAsync("account", V(("name", "Acme")));
        var legacy = await crm.Records.CreateAsync("account", V(("name", "Legacy"), ("customerNo_c", "OLD-7")));
        var second = await crm.Records.CreateAsync("account", V(("name", "Globex")));
        host.Clock.Advance(TimeSpan.FromDays(400));
        var third = await crm.Records.CreateAsync("account", V(("name", "Initech")));

        Assert.Equal(["C01{x}", "OLD-7", "C02{x}", "C03{x}"], new[] { first, legacy, second, third }.Select(r => (string?)r["customerNo_c"]));
        Assert.Equal(("account.customerNo_c", 3L), (await host.Work().Numbers.ListAsync()).Select(s => (s.Name, s.LastValue)).Single());
    }

    [Fact]
    public async Task SetAutoNumberFormat_ATenantsOwnFormatForAPluginField_CounterCarriesOnOtherTenantsKeepTheirs()
    {
        await using var host = await StartAsync();
        var acme = await host.CreateTenantAsync("acme");
        var globex = await host.CreateTenantAsync("globex");
        Assert.Equal("TCK-2026-0001", await NewTicketAsync(acme));

        await acme.Metadata.SetAutoNumberFormatAsync(Ticket, "number", "RMA {yyyy}/{seq:000000}");

        Assert.Equal("RMA 2026/000002", await NewTicketAsync(acme)); // same field and date part, same sequence: the counter carries on
        Assert.Equal("TCK-2026-0001", await NewTicketAsync(globex));
        Assert.Equal("RMA {yyyy}/{seq:000000}", (await acme.Metadata.GetEntityAsync(Ticket)).FindField("number")!.Definition.AutoNumber);
        await acme.Metadata.SetAutoNumberFormatAsync(Ticket, "number", null);
        Assert.Equal("TCK-2026-0003", await NewTicketAsync(acme));
    }

    [Fact]
    public async Task SetAutoNumberFormat_BadFormatNonTextOrUnknownField_RefusedNothingChanged()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var bad = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.SetAutoNumberFormatAsync(Ticket, "number", "T-{sequence}"));
        var tooLong = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.SetAutoNumberFormatAsync(Ticket, "number", "A-VERY-LONG-PREFIX-{seq:0000}"));
        var unknown = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.SetAutoNumberFormatAsync(Ticket, "numbr", "T{seq}"));
        var notText = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.SetAutoNumberFormatAsync("account", "parentAccountId", "T{seq}"));

        Assert.Contains("unknown token '{sequence}'", Assert.Single(bad.Errors).Message, StringComparison.Ordinal);
        Assert.Equal("auto_number", Assert.Single(tooLong.Errors).Rule);
        Assert.Contains("Did you mean 'number'?", Assert.Single(unknown.Errors).Message, StringComparison.Ordinal);
        Assert.Equal("auto_number", Assert.Single(notText.Errors).Rule);
        Assert.Equal("TCK-2026-0001", await NewTicketAsync(crm));
    }

    [Theory]
    [InlineData("CAS-{seq", "no closing")]
    [InlineData("CAS-{sequence}", "unknown token '{sequence}'")]
    [InlineData("CAS-{seq:00x}", "unknown token '{seq:00x}'")]
    [InlineData("CAS-}{seq}", "closes no token")]
    [InlineData("CAS-{yyyy}", "no {seq} token")]
    [InlineData("{seq}-{seq}", "more than one {seq}")]
    [InlineData("   ", "empty")]
    public async Task AddCustomField_BadFormat_ErrorNamesFieldAndProblem(string format, string problem)
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "no_c", Type = FieldType.Text, AutoNumber = format }));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("no_c", "auto_number"), (error.Field, error.Rule));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.Contains("account.no_c", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCustomField_AutoNumberOnNumberOrTooShortField_Refused()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        var onNumber = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "no_c", Type = FieldType.Number, AutoNumber = "{seq}" }));
        var tooShort = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Metadata.AddCustomFieldAsync("account", new FieldDefinition { ApiName = "no_c", Type = FieldType.Text, MaxLength = 8, AutoNumber = "CAS-{yyyy}-{seq:000}" }));

        Assert.Contains("only applies to text fields", Assert.Single(onNumber.Errors).Message, StringComparison.Ordinal);
        Assert.Contains("12 characters; the field allows 8", Assert.Single(tooShort.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PluginEntity_BadFormat_RegistrationFailsNamingTheField()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => CrmTestHost.StartAsync(b => b.AddPlugin(new BadFormatPlugin(), "bad")));

        Assert.Contains("widget.code", ex.ToString(), StringComparison.Ordinal);
        Assert.Contains("unknown token '{q}'", ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sequences_NextSetNextAndList()
    {
        await using var host = await StartAsync();
        await host.CreateTenantAsync();
        var numbers = host.Work().Numbers;

        Assert.Equal(1, await numbers.NextAsync("complaint-document"));
        Assert.Equal(2, await numbers.NextAsync("complaint-document"));
        await numbers.SetNextAsync("complaint-document", 10_500);
        Assert.Equal(10_500, await numbers.NextAsync("complaint-document"));
        await numbers.SetNextAsync("ticket.number@2026", 70);
        var crm = host.Engine.ForTenant("test");
        Assert.Equal("TCK-2026-0070", await NewTicketAsync(crm));

        var fieldSequence = await Assert.ThrowsAsync<CrmValidationException>(() => numbers.NextAsync("ticket.number@2026"));
        Assert.Contains("only creating a ticket draws from it", Assert.Single(fieldSequence.Errors).Message, StringComparison.Ordinal);
        Assert.Equal("TCK-2026-0071", await NewTicketAsync(crm));
        var back = await Assert.ThrowsAsync<CrmValidationException>(() => numbers.SetNextAsync("complaint-document", 10_500));
        Assert.Contains("already gave 10500", Assert.Single(back.Errors).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CrmValidationException>(() => numbers.SetNextAsync("fresh", 0));
        await Assert.ThrowsAsync<CrmValidationException>(() => numbers.NextAsync(" "));
        await Assert.ThrowsAsync<CrmValidationException>(() => numbers.NextAsync(new string('n', 201)));
        Assert.Equal(["complaint-document", "ticket.number@2026"], (await numbers.ListAsync()).Select(s => s.Name));
    }

    [Fact]
    public async Task Sequences_NextInAHandlerWhoseOperationFails_GivenBack()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();

        await Assert.ThrowsAsync<CrmOperationRejectedException>(() => crm.Records.CreateAsync(Ticket, V(("subject", "draw then reject"))));

        Assert.Empty(await host.Work().Numbers.ListAsync());
        Assert.Equal(1, await host.Work().Numbers.NextAsync("ticket-document"));
    }

    [Fact]
    public async Task SetNext_UserWithoutCustomize_AccessDenied()
    {
        await using var host = await StartAsync();
        var crm = await host.CreateTenantAsync();
        var user = await crm.Organization.CreateUserAsync(new NewUser("clerk", "Clerk"));
        var asUser = host.Services.GetRequiredService<IWorkServices>().ForCaller(new CallerContext("test", user.Id));

        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => asUser.Numbers.SetNextAsync("ticket.number@2026", 100));
        await Assert.ThrowsAsync<CrmAccessDeniedException>(() => asUser.Numbers.ListAsync()); // the counters tell how many records exist
        Assert.Empty(await host.Work().Numbers.ListAsync());
    }

    private sealed class BadFormatPlugin : ICrmPlugin
    {
        public void Configure(ICrmPluginBuilder builder) => builder.AddEntity(new EntityDefinition
        {
            ApiName = "widget",
            DisplayName = "Widget",
            PrimaryField = "code",
            Fields = [new() { ApiName = "code", Type = FieldType.Text, AutoNumber = "W-{q}-{seq}" }],
        });
    }
}
