using System.Reflection;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Plugins;
using Cronos;
using Dapper;

namespace Crm.TestPlugins.Isolated;

/// <summary>Test.Isolated: reports the Dapper it runs with and computes a cron occurrence with Cronos.</summary>
public sealed class IsolatedPlugin : ICrmPlugin
{
    /// <inheritdoc />
    public void Configure(ICrmPluginBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddEntity(new EntityDefinition
        {
            ApiName = "probe",
            DisplayName = "Probe",
            Fields =
            [
                new() { ApiName = "name", Type = FieldType.Text, Required = true, MaxLength = 100 },
                new() { ApiName = "dapperVersion", Type = FieldType.Text, MaxLength = 200 },
                new() { ApiName = "nextRun", Type = FieldType.Text, MaxLength = 200 },
            ],
        });
        builder.AddPipelineHandler<ProbeHandler>(PipelineMessages.Create, "probe", PipelineStage.PreOperation);
    }
}

internal sealed class ProbeHandler : IPipelineHandler
{
    public Task HandleAsync(IPipelineContext context, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("a", 1);
        parameters.Add("b", 2);
        var dapper = typeof(SqlMapper).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        context.Target["dapperVersion"] = $"{dapper.Split('+')[0]} ({parameters.ParameterNames.Count()} parameters)";
        var next = CronExpression.Parse("0 9 * * MON").GetNextOccurrence(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        context.Target["nextRun"] = next?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        return Task.CompletedTask;
    }
}
