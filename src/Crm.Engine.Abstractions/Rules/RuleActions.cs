namespace Crm.Engine.Abstractions.Rules;

/// <summary>The type of a rule action's parameter, checked when a rule pack is validated.</summary>
public enum RuleParameterType
{
    /// <summary>Text (<see cref="string"/>).</summary>
    Text = 0,

    /// <summary>A number (<see cref="decimal"/>).</summary>
    Number = 1,

    /// <summary>True or false (<see cref="bool"/>).</summary>
    Bool = 2,

    /// <summary>An instant (<see cref="DateTimeOffset"/>).</summary>
    DateTime = 3,

    /// <summary>A span of time (<see cref="TimeSpan"/>), e.g. <c>hours(48)</c>.</summary>
    Duration = 4,

    /// <summary>A list of texts (<see cref="IReadOnlyList{T}"/> of <see cref="string"/>).</summary>
    TextList = 5,

    /// <summary>A matched CRM record, named by its alias in the rule (<see cref="Records.CrmRecord"/>).</summary>
    Record = 6,

    /// <summary>Any value an expression can produce (text, number, bool, date, null).</summary>
    Any = 7,

    /// <summary>
    /// Business time on a calendar (<see cref="Work.BusinessDuration"/>), in the unit the rule author wrote:
    /// <c>days(n)</c>/<c>weeks(n)</c> are business days, <c>hours(n)</c>/<c>minutes(n)</c> working time.
    /// </summary>
    BusinessDuration = 8,
}

/// <summary>One documented parameter of a rule action.</summary>
/// <param name="Name">The parameter's name as written in a rule pack (camelCase).</param>
/// <param name="Type">The parameter's type.</param>
/// <param name="Required">Whether a rule must give it.</param>
/// <param name="Description">What it means, for the action catalogue.</param>
public sealed record RuleActionParameter(string Name, RuleParameterType Type, bool Required, string Description);

/// <summary>
/// A rule action registered in code by the core or a plugin: its name (what rule packs write), a description and its
/// typed parameters (checked when a pack is validated), and the handler that performs it.
/// </summary>
public sealed record RuleActionDefinition
{
    /// <summary>The action's name as written in rule packs, e.g. <c>assignToQueue</c>. Unique in an engine.</summary>
    public required string Name { get; init; }

    /// <summary>What the action does, for the action catalogue (<c>crm rules actions</c>).</summary>
    public required string Description { get; init; }

    /// <summary>The parameters, in the order they are documented.</summary>
    public IReadOnlyList<RuleActionParameter> Parameters { get; init; } = [];

    /// <summary>Performs the action; called after the rules have fired, never during a dry run.</summary>
    public required Func<IRuleActionContext, Task> Handler { get; init; }

    /// <summary>The plugin that registered the action (filled in by the engine; <c>core</c> for the core's actions).</summary>
    public string Module { get; init; } = "core";
}

/// <summary>
/// What a rule action's handler receives: the tenant, which rule fired in which rule-base version (for the audit
/// trail), the parameter values (already evaluated and typed), the matched facts and the engine's services.
/// </summary>
public interface IRuleActionContext
{
    /// <summary>The tenant whose rule base fired.</summary>
    string TenantId { get; }

    /// <summary>The rule that fired.</summary>
    string RuleName { get; }

    /// <summary>The version of the tenant's rule base the rule belongs to (0 for rules evaluated outside a stored base).</summary>
    long RuleBaseVersion { get; }

    /// <summary>The action's name.</summary>
    string ActionName { get; }

    /// <summary>Parameter values by name, in the types of <see cref="RuleParameterType"/>; absent optional parameters are missing.</summary>
    IReadOnlyDictionary<string, object?> Parameters { get; }

    /// <summary>The matched facts by alias (records and events).</summary>
    IReadOnlyDictionary<string, object?> Facts { get; }

    /// <summary>The engine's services (e.g. the work services).</summary>
    IServiceProvider Services { get; }

    /// <summary>Cancels the action.</summary>
    CancellationToken CancellationToken { get; }

    /// <summary>A parameter's value.</summary>
    /// <typeparam name="T">The expected type.</typeparam>
    /// <param name="name">The parameter's name.</param>
    /// <returns>The value, or <see langword="default"/> when it was not given or is null.</returns>
    T? GetParameter<T>(string name);
}

/// <summary>C# rules (NRules-style rule classes) a plugin contributes to every tenant's rule base.</summary>
/// <param name="PluginId">The plugin that registered them.</param>
/// <param name="RuleTypes">The rule classes.</param>
public sealed record RuleTypeRegistration(string PluginId, IReadOnlyList<Type> RuleTypes);
