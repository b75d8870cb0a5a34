using System.Text;
using Crm.Engine.Abstractions;
using Crm.Engine.Abstractions.Import;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;

namespace Crm.Engine.Tests.Import;

/// <summary>
/// A plugin with a plain entity type for import tests (gizmo: an indexed code, a required label, a size 1-5), and a
/// handler that fails with a non-engine exception when a gizmo is labelled "boom" (as a broken disk or driver would).
/// </summary>
public sealed class GizmoPlugin : ICrmPlugin
{
    public const string Gizmo = "gizmo";

    public void Configure(ICrmPluginBuilder builder)
    {
        builder.AddEntity(new EntityDefinition
        {
            ApiName = Gizmo,
            DisplayName = "Gizmo",
            PrimaryField = "label",
            Fields =
            [
                new() { ApiName = "code", Type = FieldType.Text, Indexed = true, MaxLength = 20 },
                new() { ApiName = "label", Type = FieldType.Text, Required = true, MaxLength = 50 },
                new() { ApiName = "size", Type = FieldType.Number, MinValue = 1, MaxValue = 5 },
                new() { ApiName = "plain", Type = FieldType.Text },
            ],
        });
        builder.AddPipelineHandler<BoomHandler>(PipelineMessages.Create, Gizmo, PipelineStage.PostOperation);
    }

    public sealed class BoomHandler : IPipelineHandler
    {
        public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken) =>
            context.Target.TryGetValue("label", out var label) && label is "boom"
                ? throw new IOException("disk on fire")
                : Task.CompletedTask;
    }
}

/// <summary>The engine with the gizmo plugin; a fresh tenant per test.</summary>
public sealed class ImportFixture : EngineFixture
{
    public override Task InitializeAsync() => StartAsync(b => b.AddPlugin(new GizmoPlugin(), "gizmos"));

    /// <summary>A tenant whose contacts have the custom fields a consultant would add for a client's export.</summary>
    public async Task<ICrmTenant> NewContactTenantAsync()
    {
        var crm = await NewTenantAsync("imp");
        await crm.Metadata.AddCustomFieldAsync("contact", new FieldDefinition { ApiName = "extId_c", Type = FieldType.Text, Indexed = true, MaxLength = 40 });
        await crm.Metadata.AddCustomFieldAsync("contact", new FieldDefinition { ApiName = "birthDate_c", Type = FieldType.Date });
        await crm.Metadata.AddCustomFieldAsync("contact", new FieldDefinition { ApiName = "lastCall_c", Type = FieldType.DateTime });
        await crm.Metadata.AddCustomFieldAsync("contact", new FieldDefinition { ApiName = "score_c", Type = FieldType.Number, Precision = 2 });
        await crm.Metadata.AddCustomFieldAsync("contact", new FieldDefinition { ApiName = "vip_c", Type = FieldType.Bool });
        await crm.Metadata.AddCustomFieldAsync("contact", new FieldDefinition
        {
            ApiName = "segment_c",
            Type = FieldType.Choice,
            Options = [new ChoiceOption("pet_shop", "Pet shop"), new ChoiceOption("garden", "Garden centre")],
        });
        await crm.Metadata.AddCustomFieldAsync("contact", new FieldDefinition { ApiName = "notes_c", Type = FieldType.Text });
        return crm;
    }
}

internal static class ImportTestExtensions
{
    public static Task<ImportReport> ImportCsvAsync(this ICrmTenant crm, string csv, ImportMapping mapping, ImportOptions? options = null) =>
        crm.Import.ImportTextAsync(new StringReader(csv), mapping, options);

    public static Task<ImportReport> ImportBytesAsync(this ICrmTenant crm, byte[] csv, ImportMapping mapping, ImportOptions? options = null) =>
        crm.Import.ImportAsync(new MemoryStream(csv), mapping, options);

    public static byte[] Utf8WithBom(string text) => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)];
}
