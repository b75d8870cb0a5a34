using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Pipeline;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Abstractions.Plugins;

/// <summary>The one entry point of a plugin (and of the core module itself).</summary>
public interface ICrmPlugin
{
    /// <summary>Registers what the plugin brings: services, entity types, fields, pipeline handlers, migrations.</summary>
    /// <param name="builder">The registration API.</param>
    void Configure(ICrmPluginBuilder builder);
}

/// <summary>What a plugin registers with the engine. Registration happens once, at start-up.</summary>
public interface ICrmPluginBuilder
{
    /// <summary>The registering plugin's id (<c>core</c> for the core module).</summary>
    string PluginId { get; }

    /// <summary>The host's service collection, for the plugin's own services and event handlers.</summary>
    IServiceCollection Services { get; }

    /// <summary>Defines an entity type.</summary>
    /// <param name="entity">The definition; its API name must be unique in the engine.</param>
    /// <returns>This builder.</returns>
    ICrmPluginBuilder AddEntity(EntityDefinition entity);

    /// <summary>Adds system fields to an entity type defined by the core or another plugin.</summary>
    /// <param name="entityType">The entity type's API name.</param>
    /// <param name="fields">The fields; their API names must be new on that type.</param>
    /// <returns>This builder.</returns>
    ICrmPluginBuilder ExtendEntity(string entityType, params IReadOnlyList<FieldDefinition> fields);

    /// <summary>Registers a pipeline handler.</summary>
    /// <param name="registration">Message, entity type, stage, order and handler type.</param>
    /// <returns>This builder.</returns>
    ICrmPluginBuilder AddPipelineStep(PipelineStep registration);

    /// <summary>Registers the plugin's SQL migrations (per storage provider).</summary>
    /// <param name="source">The migrations.</param>
    /// <returns>This builder.</returns>
    ICrmPluginBuilder AddMigrations(IMigrationSource source);

    /// <summary>
    /// Registers a rule action that tenants' rule packs can name (see <see cref="RuleActionDefinition"/>). Action names
    /// are unique in an engine; a duplicate is reported when the rule packs' action registry is built.
    /// </summary>
    /// <param name="action">The action.</param>
    /// <returns>This builder.</returns>
    ICrmPluginBuilder AddRuleAction(RuleActionDefinition action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Services.AddSingleton(action with { Module = PluginId });
        return this;
    }

    /// <summary>Registers C# rule classes (NRules-style) that become part of every tenant's rule base.</summary>
    /// <param name="ruleTypes">The rule classes (public, with a parameterless constructor).</param>
    /// <returns>This builder.</returns>
    ICrmPluginBuilder AddRules(params IReadOnlyList<Type> ruleTypes)
    {
        ArgumentNullException.ThrowIfNull(ruleTypes);
        Services.AddSingleton(new RuleTypeRegistration(PluginId, ruleTypes));
        return this;
    }

    /// <summary>
    /// Registers a report (<see cref="Reports.IReport"/>), run through <see cref="Reports.IReportCatalog"/> and
    /// <c>crm report run</c>. Report names are unique in an engine; a duplicate is reported when the catalog is built.
    /// </summary>
    /// <param name="reportType">The report class, created once from the engine's services.</param>
    /// <returns>This builder.</returns>
    ICrmPluginBuilder AddReport(Type reportType)
    {
        ArgumentNullException.ThrowIfNull(reportType);
        Services.AddSingleton(new Reports.ReportRegistration(PluginId, reportType));
        return this;
    }
}

/// <summary>Shortcuts for <see cref="ICrmPluginBuilder"/>.</summary>
public static class CrmPluginBuilderExtensions
{
    /// <summary>Registers a pipeline handler type.</summary>
    /// <typeparam name="THandler">The handler type, created with its dependencies from the service provider.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <param name="message">The message, e.g. <see cref="PipelineMessages.Create"/>.</param>
    /// <param name="entityType">The entity type's API name, or <c>*</c> for all.</param>
    /// <param name="stage">The stage.</param>
    /// <param name="order">The order within the stage; lower runs first.</param>
    /// <returns>The builder.</returns>
    public static ICrmPluginBuilder AddPipelineHandler<THandler>(this ICrmPluginBuilder builder, string message, string entityType, PipelineStage stage, int order = 0)
        where THandler : class, IPipelineHandler
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddTransient<THandler>();
        return builder.AddPipelineStep(new PipelineStep(message, entityType, stage, order, typeof(THandler)));
    }

    /// <summary>Registers a report type (see <see cref="ICrmPluginBuilder.AddReport"/>).</summary>
    /// <typeparam name="TReport">The report class, created once from the engine's services.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICrmPluginBuilder AddReport<TReport>(this ICrmPluginBuilder builder)
        where TReport : class, Reports.IReport
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddReport(typeof(TReport));
    }
}
