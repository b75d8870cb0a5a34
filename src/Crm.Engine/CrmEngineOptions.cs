using System.ComponentModel.DataAnnotations;

namespace Crm.Engine;

/// <summary>Settings of the engine, bound from configuration (section <c>Crm</c> by convention) and validated at start.</summary>
public sealed class CrmEngineOptions
{
    /// <summary>How deep pipeline handlers may nest operations before the engine stops a runaway loop.</summary>
    [Range(1, 64)]
    public int MaxPipelineDepth { get; set; } = 8;

    /// <summary>Whether the hosted service migrates the store at start-up (otherwise on first use).</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>The default page size of queries that do not set one.</summary>
    [Range(1, Abstractions.Records.RecordQuery.MaxPageSize)]
    public int DefaultPageSize { get; set; } = 100;
}
