using Crm.Engine.Abstractions.Events;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.RulePacks.Actions;
using Crm.Engine.RulePacks.Compilation;
using Crm.Engine.RulePacks.RuleBases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Crm.Engine.RulePacks;

/// <summary>Adds rule packs (per-tenant rule bases, the action registry and the core actions) to an engine.</summary>
public static class RulePacksEngineBuilderExtensions
{
    /// <summary>
    /// Adds per-tenant rule bases (<see cref="IRuleBases"/>), the action catalogue (<see cref="IRuleActionCatalog"/>)
    /// with the core actions (<c>log</c>, <c>setField</c> and the work actions), and the plugins' C# rules. Records
    /// created or changed and durable timers firing then run the tenant's rules (see <c>docs/rule-packs.md</c>).
    /// </summary>
    /// <param name="builder">The engine builder.</param>
    /// <returns>The builder.</returns>
    public static CrmEngineBuilder AddRulePacks(this CrmEngineBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Services.Any(d => d.ServiceType == typeof(IRuleBases)))
        {
            return builder;
        }

        foreach (var action in CoreRuleActions.All())
        {
            builder.Services.AddSingleton(action);
        }

        builder.Services.TryAddSingleton<IRuleActionCatalog>(sp => new RuleActionCatalog(sp.GetServices<RuleActionDefinition>()));
        builder.Services.TryAddSingleton(sp => new ModuleRules(sp.GetServices<RuleTypeRegistration>()));
        builder.Services.TryAddSingleton<RuleBaseStore>();
        builder.Services.TryAddSingleton<RuleBaseRegistry>();
        builder.Services.TryAddSingleton<IRuleBases>(sp => sp.GetRequiredService<RuleBaseRegistry>());

        // Records created or changed and timers firing run the tenant's rules.
        builder.Services.TryAddSingleton<RuleTriggers>();
        builder.Services.AddSingleton<IDomainEventConsumer<RecordCreated>>(sp => sp.GetRequiredService<RuleTriggers>());
        builder.Services.AddSingleton<IDomainEventConsumer<RecordUpdated>>(sp => sp.GetRequiredService<RuleTriggers>());
        builder.Services.AddSingleton<IDomainEventConsumer<DeadlineReached>>(sp => sp.GetRequiredService<RuleTriggers>());
        return builder;
    }
}
