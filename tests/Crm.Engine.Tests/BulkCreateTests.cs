using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Customers;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Security;
using Crm.Engine.Records;
using Microsoft.Extensions.Time.Testing;
using static Crm.Engine.Tests.EngineFixture;

namespace Crm.Engine.Tests;

/// <summary>
/// A plugin whose gadgets exercise the bulk path: a PreOperation handler that changes (or does not change) values,
/// and a PostOperation handler that starts a nested bulk create which fails after its first row was written.
/// </summary>
public sealed class GadgetPlugin : ICrmPlugin
{
    public const string Gadget = "gadget";

    public void Configure(ICrmPluginBuilder builder)
    {
        builder.AddEntity(new EntityDefinition
        {
            ApiName = Gadget,
            DisplayName = "Gadget",
            PrimaryField = "label",
            Fields =
            [
                new() { ApiName = "label", Type = FieldType.Text, Required = true },
                new() { ApiName = "size", Type = FieldType.Number, MinValue = 1, MaxValue = 5 },
                new() { ApiName = "colour", Type = FieldType.Text, Required = true },
                new() { ApiName = "maker", Type = FieldType.Lookup, LookupTarget = "account" },
            ],
        });
        builder.AddPipelineHandler<ResizeGadget>(PipelineMessages.Create, Gadget, PipelineStage.PreOperation);
        builder.AddPipelineHandler<ResizeGadget>(PipelineMessages.Update, Gadget, PipelineStage.PreOperation);
        builder.AddPipelineHandler<NestFailingBatch>(PipelineMessages.Create, Gadget, PipelineStage.PostOperation);
    }

    private static string Label(IPipelineContext context) => context.Target.TryGetValue("label", out var l) && l is string s ? s : string.Empty;

    /// <summary>Changes values (or what they point to) after validation, steered by the label.</summary>
    public sealed class ResizeGadget : IPipelineHandler
    {
        public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            switch (Label(context))
            {
                case "drop-maker":
                    // Leaves the values alone (so they are not validated again) but deletes the account the look-up names.
                    await context.Records.DeleteAsync("account", (Guid)context.Target["maker"]!, cancellationToken: cancellationToken);
                    break;
                case "resize":
                    context.Target["size"] = 3; // an int: only a second validation makes it the canonical decimal
                    break;
                case "oversize":
                    context.Target["size"] = 9;
                    break;
                case "uncolour":
                    context.Target.Remove("colour");
                    break;
                case "same":
                    // Writes back the value it found: the same object, no change.
                    context.Target["colour"] = context.Target["colour"];
                    break;
            }
        }
    }

    /// <summary>For a gadget labelled "nest-fail": a nested bulk create whose second row is invalid, caught.</summary>
    public sealed class NestFailingBatch : IPipelineHandler
    {
        public async Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
        {
            if (Label(context) != "nest-fail")
            {
                return;
            }

            IReadOnlyDictionary<string, object?>[] rows = [V(("label", "nested ok"), ("colour", "red")), V(("label", "nested bad"), ("colour", "red"), ("size", 7))];
            try
            {
                await context.Records.CreateManyAsync(Gadget, rows, cancellationToken);
            }
            catch (CrmValidationException)
            {
                // Carries on: the nested batch, its first row and that row's audit entry are undone.
            }
        }
    }
}

public sealed class GadgetFixture : EngineFixture
{
    public override Task InitializeAsync() => StartAsync(b => b.AddPlugin(new GadgetPlugin(), "gadgets"));
}

/// <summary>The bulk create path: audit sequence numbers, validation after PreOperation handlers, record ids.</summary>
public class BulkCreateTests(GadgetFixture fixture) : IClassFixture<GadgetFixture>
{
    private const string Gadget = GadgetPlugin.Gadget;

    private static Dictionary<string, object?> Row(string label, string? colour = "blue") => V(("label", label), ("colour", colour));

    private static async Task<List<AuditEntry>> AllEntriesAsync(ICrmTenant crm)
    {
        var all = new List<AuditEntry>();
        string? token = null;
        do
        {
            var page = await crm.Audit.QueryAsync(new AuditQuery { ContinuationToken = token, PageSize = 500 });
            all.AddRange(page.Entries);
            token = page.ContinuationToken;
        }
        while (token is not null);
        return [.. all.OrderBy(e => e.Id)];
    }

    [Fact]
    public async Task CreateManyAsync_NestedBatchRolledBackInTwoRows_AuditSequenceGapFreeOneEntryPerRecord()
    {
        var crm = await fixture.NewTenantAsync();
        // Rows 4 and 6 start a nested batch whose first row is written and audited, then undone: at row 4 the nested
        // entry is the one that reserves a new block of numbers, at row 6 it uses a number of a block already held.
        var rows = Enumerable.Range(1, 10).Select(i => Row(i is 4 or 6 ? "nest-fail" : $"gadget {i}")).ToList();

        var created = await crm.Records.CreateManyAsync(Gadget, rows);

        var stored = await ReadAllPagesAsync(crm, RecordQuery.For(Gadget));
        Assert.Equal(created.Select(r => r.Id).Order(), stored.Select(r => r.Id).Order());
        Assert.DoesNotContain(stored, r => (string?)r["label"] == "nested ok");
        var entries = await AllEntriesAsync(crm);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), entries.Select(e => e.Id));
        Assert.Equal(created.Select(r => r.Id), entries.Select(e => e.RecordId));
        Assert.All(entries, e => Assert.Equal(AuditAction.Create, e.Action));

        // The tenant's counter stands at the last number used: the next operation continues without a gap.
        var next = await crm.Records.CreateAsync(Gadget, Row("after"));
        Assert.Equal(11, Assert.Single((await crm.Audit.QueryAsync(new AuditQuery { RecordId = next.Id })).Entries).Id);
    }

    [Fact]
    public async Task CreateManyAsync_TwoBatchesAtOnce_AuditSequenceUniqueGapFreeAndIncreasingPerBatch()
    {
        var crm = await fixture.NewTenantAsync();
        var first = Enumerable.Range(1, 150).Select(i => Row($"a {i}")).ToList();
        var second = Enumerable.Range(1, 150).Select(i => Row($"b {i}")).ToList();

        var batches = await Task.WhenAll(
            Task.Run(() => crm.Records.CreateManyAsync(Gadget, first)),
            Task.Run(() => crm.Records.CreateManyAsync(Gadget, second)));

        var entries = await AllEntriesAsync(crm);
        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), entries.Select(e => e.Id));
        foreach (var batch in batches)
        {
            // Writers are serialised: one batch's entries follow each other, in row order.
            var seqs = batch.Select(r => Assert.Single(entries, e => e.RecordId == r.Id).Id).ToList();
            Assert.Equal(Enumerable.Range((int)seqs[0], 150).Select(i => (long)i), seqs);
        }
    }

    [Fact]
    public async Task CreateManyAsync_NestedRollbackAndSecondOperation_SingleCreateContinuesTheSequence()
    {
        var crm = await fixture.NewTenantAsync();
        await crm.Records.CreateAsync(Gadget, Row("solo"));

        await crm.Records.CreateManyAsync(Gadget, [Row("nest-fail")]);
        await crm.Records.CreateAsync(Gadget, Row("solo again"));

        Assert.Equal([1L, 2L, 3L], (await AllEntriesAsync(crm)).Select(e => e.Id));
    }

    [Fact]
    public async Task CreateManyAsync_PreOperationHandlerSetsNonCanonicalValue_ValidatedAgainAndStoredCanonical()
    {
        var crm = await fixture.NewTenantAsync();

        var created = await crm.Records.CreateManyAsync(Gadget, [Row("plain"), Row("resize")]);

        Assert.Equal(3m, Assert.IsType<decimal>(created[1]["size"]));
        var stored = await crm.Records.GetAsync(Gadget, created[1].Id);
        Assert.Equal(3m, stored!["size"]);
        Assert.Null(created[0]["size"]);
    }

    [Fact]
    public async Task CreateManyAsync_PreOperationHandlerSetsInvalidValue_ValidationErrorNamesRowAndNothingStored()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateManyAsync(Gadget, [Row("plain"), Row("oversize")]));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("size", "range"), (error.Field, error.Rule));
        Assert.StartsWith("row 2:", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(crm, Gadget));
        Assert.Empty(await AllEntriesAsync(crm));
    }

    [Fact]
    public async Task CreateAsync_PreOperationHandlerRemovesRequiredValue_ValidatedAgainRequiredError()
    {
        var crm = await fixture.NewTenantAsync();

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateAsync(Gadget, Row("uncolour")));

        Assert.Equal(("colour", "required"), (Assert.Single(ex.Errors).Field, ex.Errors[0].Rule));
    }

    [Fact]
    public async Task CreateAsync_PreOperationHandlerDeletesLookupTarget_LookupValidationErrorAndNothingLost()
    {
        var crm = await fixture.NewTenantAsync();
        var maker = await crm.Accounts.CreateAsync(new NewAccount("Maker Ltd"));

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateAsync(Gadget, V(("label", "drop-maker"), ("colour", "red"), ("maker", maker.Id))));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("maker", "lookup"), (error.Field, error.Rule));
        Assert.Contains(maker.Id.ToString(), error.Message, StringComparison.Ordinal);
        Assert.NotNull(await crm.Records.GetAsync("account", maker.Id)); // the handler's delete was undone with the create
        Assert.Equal(0, await CountAsync(crm, Gadget));
    }

    [Fact]
    public async Task CreateManyAsync_PreOperationHandlerDeletesLookupTarget_ErrorNamesRowAndField()
    {
        var crm = await fixture.NewTenantAsync();
        var maker = await crm.Accounts.CreateAsync(new NewAccount("Maker Ltd"));

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.CreateManyAsync(Gadget, [Row("plain"), V(("label", "drop-maker"), ("colour", "red"), ("maker", maker.Id))]));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("maker", "lookup"), (error.Field, error.Rule));
        Assert.StartsWith("row 2:", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(crm, Gadget));
        Assert.NotNull(await crm.Records.GetAsync("account", maker.Id));
    }

    [Fact]
    public async Task UpdateAsync_PreOperationHandlerDeletesNewLookupTarget_LookupValidationErrorRecordUnchanged()
    {
        var crm = await fixture.NewTenantAsync();
        var gadget = await crm.Records.CreateAsync(Gadget, Row("plain"));
        var maker = await crm.Accounts.CreateAsync(new NewAccount("Maker Ltd"));

        var ex = await Assert.ThrowsAsync<CrmValidationException>(() => crm.Records.UpdateAsync(Gadget, gadget.Id, null, V(("label", "drop-maker"), ("maker", maker.Id))));

        Assert.Equal(("maker", "lookup"), (Assert.Single(ex.Errors).Field, ex.Errors[0].Rule));
        var stored = await crm.Records.GetAsync(Gadget, gadget.Id);
        Assert.Equal(("plain", 1L), ((string?)stored!["label"], stored.Version));
        Assert.Null(stored["maker"]);
        Assert.NotNull(await crm.Records.GetAsync("account", maker.Id));
    }

    [Fact]
    public async Task CreateManyAsync_PreOperationHandlerWritesBackSameValue_Stored()
    {
        var crm = await fixture.NewTenantAsync();

        var created = await crm.Records.CreateManyAsync(Gadget, [Row("same", "green")]);

        Assert.Equal("green", (await crm.Records.GetAsync(Gadget, created[0].Id))!["colour"]);
    }

    [Fact]
    public void ChangedSince_SameObjectsUnderSameKeys_False()
    {
        var boxed = (object)3m;
        var target = new Dictionary<string, object?>(StringComparer.Ordinal) { ["a"] = "x", ["b"] = boxed, ["c"] = null };
        var snapshot = target.ToArray();

        target["b"] = boxed;

        Assert.False(RecordService.ChangedSince(target, snapshot));
    }

    [Theory]
    [InlineData("set-equal-value")]
    [InlineData("add")]
    [InlineData("remove")]
    [InlineData("null")]
    public void ChangedSince_ValueReplacedAddedOrRemoved_True(string change)
    {
        var target = new Dictionary<string, object?>(StringComparer.Ordinal) { ["a"] = "x", ["b"] = 3m };
        var snapshot = target.ToArray();

        switch (change)
        {
            case "set-equal-value":
                target["b"] = 3m; // equal, but another object: it may not be canonical, so it is checked again
                break;
            case "add":
                target["c"] = "new";
                break;
            case "remove":
                target.Remove("a");
                break;
            default:
                target["a"] = null;
                break;
        }

        Assert.True(RecordService.ChangedSince(target, snapshot));
    }

    [Fact]
    public void BatchIds_ClockStandsStill_IdsIncreaseAndStayVersion7()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
        var ids = new BatchIds(clock);

        var batch = Enumerable.Range(0, 1000).Select(_ => ids.Next()).ToList();
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var later = ids.Next();

        var texts = batch.Append(later).Select(g => g.ToString("D")).ToList();
        Assert.Equal(texts.Order(StringComparer.Ordinal), texts);
        Assert.Equal(texts.Count, texts.Distinct().Count());
        Assert.All(batch.Append(later), g => Assert.Equal((7, 0b10), (g.Version, g.Variant >> 2)));
        Assert.Equal(clock.GetUtcNow().ToUnixTimeMilliseconds(), Convert.ToInt64(later.ToString("N")[..12], 16));
    }

    [Fact]
    public async Task CreateManyAsync_ClockStandsStill_RecordIdsInRowOrder()
    {
        var crm = await fixture.NewTenantAsync();

        var created = await crm.Records.CreateManyAsync(Gadget, [.. Enumerable.Range(1, 50).Select(i => Row($"g {i}"))]);

        var texts = created.Select(r => r.Id.ToString("D")).ToList();
        Assert.Equal(texts.Order(StringComparer.Ordinal), texts);
    }
}
