using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules.Fluent.Dsl;

/// <summary>Sets a rule's name (default: the rule class's full name).</summary>
/// <param name="value">The name.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NameAttribute(string value) : Attribute
{
    /// <summary>The name.</summary>
    public string Value { get; } = value;
}

/// <summary>Sets a rule's description.</summary>
/// <param name="value">The description.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class DescriptionAttribute(string value) : Attribute
{
    /// <summary>The description.</summary>
    public string Value { get; } = value;
}

/// <summary>Sets a rule's priority (higher fires first; default 0).</summary>
/// <param name="value">The priority.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = true)]
public sealed class PriorityAttribute(int value) : Attribute
{
    /// <summary>The priority.</summary>
    public int Value { get; } = value;
}

/// <summary>Adds a tag to a rule (repeatable). Tags and the priority are inherited by derived rule classes; the name, description and repeatability are not (as in NRules).</summary>
/// <param name="value">The tag.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = true)]
public sealed class TagAttribute(string value) : Attribute
{
    /// <summary>The tag.</summary>
    public string Value { get; } = value;
}

/// <summary>Sets whether a rule fires again when the facts of a fired activation are updated.</summary>
/// <param name="value">The repeatability.</param>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RepeatabilityAttribute(RuleRepeatability value) : Attribute
{
    /// <summary>The repeatability.</summary>
    public RuleRepeatability Value { get; } = value;
}
