using System.CommandLine;
using System.Globalization;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Metadata;
using Crm.Engine.Abstractions.Records;
using Crm.Engine.Abstractions.Rules;
using Crm.Engine.Abstractions.Work;
using Crm.Engine.Cli.Output;
using Crm.Engine.RulePacks;
using Crm.Engine.RulePacks.Actions;
using Crm.Engine.RulePacks.RuleBases;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Cli.Commands;

/// <summary>
/// <c>crm rules validate|test|explain|apply|history|rollback|actions</c>: rule packs for consultants. validate, test and
/// explain check a pack against a tenant's metadata (with <c>--tenant</c>) or the built-in entities (without), plus
/// entity definitions from <c>--entities</c>; they never change anything.
/// </summary>
internal static class RuleCommands
{
    public static Command Build(CliContext context, CliOptions options)
    {
        var rules = new Command("rules", "Validate, dry-run, explain, apply and roll back rule packs (per-tenant JSON/YAML rules).");
        rules.Subcommands.Add(BuildValidate(context, options));
        rules.Subcommands.Add(BuildTest(context, options, explain: false));
        rules.Subcommands.Add(BuildTest(context, options, explain: true));
        rules.Subcommands.Add(BuildApply(context, options));
        rules.Subcommands.Add(BuildHistory(context, options));
        rules.Subcommands.Add(BuildDiff(context, options));
        rules.Subcommands.Add(BuildRollback(context, options));
        rules.Subcommands.Add(BuildActions(context));
        return rules;
    }

    private static Argument<string> PackArgument() => new("pack") { Description = "The pack file (.yaml, .yml or .json)." };

    private static Option<string?> EntitiesOption() => new("--entities")
    {
        Description = "A JSON file of extra entity definitions (e.g. a module's entities or custom fields) to check the pack against.",
        HelpName = "file",
    };

    private static Option<string?> OptionalTenant(CliContext context) => new("--tenant")
    {
        Description = $"Check against this tenant's metadata (custom fields) in --db (default: ${CliOptions.TenantVariable}); without it, the built-in entities.",
        HelpName = "id",
        DefaultValueFactory = _ => context.GetEnvironmentVariable(CliOptions.TenantVariable),
    };

    private static Command BuildValidate(CliContext context, CliOptions options)
    {
        var pack = PackArgument();
        var tenant = OptionalTenant(context);
        var entities = EntitiesOption();
        var command = new Command("validate", "Check a pack: every error with file, rule, line and column. Exit code 1 when there is any.") { pack, tenant, entities };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var (text, file) = await ReadPackAsync(parseResult.GetRequiredValue(pack), cancellationToken).ConfigureAwait(false);
            options.RefuseUser(parseResult, "rules validate");
            await using var bench = await Workbench.OpenAsync(parseResult.GetValue(options.Database), parseResult.GetValue(tenant), parseResult.GetValue(entities), cancellationToken).ConfigureAwait(false);
            var errors = bench.Value.Validate(text, file);
            if (errors.Count > 0)
            {
                return await WriteErrorsAsync(context, errors).ConfigureAwait(false);
            }

            await context.Output.WriteLineAsync($"{file}: valid ({bench.Description}).").ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildTest(CliContext context, CliOptions options, bool explain)
    {
        var pack = PackArgument();
        var facts = new Option<string>("--facts") { Description = "A JSON file of sample facts: [{\"type\": \"case\", \"priority\": \"urgent\", ...}, {\"type\": \"DeadlineReached\", ...}].", HelpName = "file", Required = true };
        var rule = new Option<string>("--rule") { Description = "The rule to explain.", HelpName = "name", Required = true };
        var tenant = OptionalTenant(context);
        var entities = EntitiesOption();
        var command = explain
            ? new Command("explain", "Explain one rule on sample facts: the firings, or which condition failed for which fact.") { pack, facts, rule, tenant, entities }
            : new Command("test", "Dry-run a pack on sample facts: the rules that fire, in order, with their facts and the actions they would take. Nothing is changed.") { pack, facts, tenant, entities };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var (text, file) = await ReadPackAsync(parseResult.GetRequiredValue(pack), cancellationToken).ConfigureAwait(false);
            var (factsText, _) = await ReadPackAsync(parseResult.GetRequiredValue(facts), cancellationToken).ConfigureAwait(false);
            options.RefuseUser(parseResult, explain ? "rules explain" : "rules test");
            await using var bench = await Workbench.OpenAsync(parseResult.GetValue(options.Database), parseResult.GetValue(tenant), parseResult.GetValue(entities), cancellationToken).ConfigureAwait(false);
            RulePackSample sample;
            try
            {
                sample = bench.Value.ReadSample(factsText);
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new CliException($"{Path.GetFileName(parseResult.GetRequiredValue(facts))} is not valid JSON: {ex.Message}");
            }

            var result = await bench.Value.TestAsync(text, file, sample, explain ? parseResult.GetRequiredValue(rule) : null, bench.Calendars, cancellationToken).ConfigureAwait(false);
            if (result.Errors.Count > 0)
            {
                return await WriteErrorsAsync(context, result.Errors).ConfigureAwait(false);
            }

            if (result.UnknownRule is { } unknown)
            {
                throw new CliException(unknown);
            }

            if (explain)
            {
                foreach (var line in result.Explanation)
                {
                    await context.Output.WriteLineAsync(line).ConfigureAwait(false);
                }

                return CrmCli.Success;
            }

            await WriteEvaluationAsync(context, file, sample.Facts.Count, result.Evaluation!).ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildApply(CliContext context, CliOptions options)
    {
        var pack = PackArgument();
        var tenant = options.CreateTenant();
        var command = new Command("apply", "Validate a pack against the tenant and make it live as a new rule-base version (replacing the tenant's pack of the same file name). A pack with any error is rejected whole.") { pack, tenant };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var (text, file) = await ReadPackAsync(parseResult.GetRequiredValue(pack), cancellationToken).ConfigureAwait(false);
            var tenantId = CliOptions.GetTenant(parseResult, tenant);
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var caller = (await session.OpenTenantAsync(tenantId, cancellationToken).ConfigureAwait(false)).Caller;
            var rules = session.Services.GetRequiredService<IRuleBases>().ForCaller(caller);
            try
            {
                var version = await rules.ApplyAsync(text, file, cancellationToken).ConfigureAwait(false);
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Applied {file} to tenant {tenantId}: rule base version {version.Version} ({version.RuleCount} pack rule(s) in {version.Packs.Count} pack(s)).")).ConfigureAwait(false);
                return CrmCli.Success;
            }
            catch (RulePackValidationException ex)
            {
                await WriteErrorsAsync(context, ex.Errors).ConfigureAwait(false);
                await context.Error.WriteLineAsync($"The pack was rejected; tenant {tenantId} keeps its current rules.").ConfigureAwait(false);
                return CrmCli.Failure;
            }
        });
        return command;
    }

    private static Command BuildHistory(CliContext context, CliOptions options)
    {
        var tenant = options.CreateTenant();
        var json = CliOptions.CreateJson();
        var command = new Command("history", "List every rule-base version of the tenant (newest last).") { tenant, json };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var tenantId = CliOptions.GetTenant(parseResult, tenant);
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var caller = (await session.OpenTenantAsync(tenantId, cancellationToken).ConfigureAwait(false)).Caller;
            var history = await session.Services.GetRequiredService<IRuleBases>().ForCaller(caller).HistoryAsync(cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(json))
            {
                await JsonOutput.WriteArrayAsync(context.Output, history, (writer, v) =>
                {
                    writer.WriteNumber("version", v.Version);
                    writer.WriteString("appliedAt", v.AppliedAt.ToUniversalTime());
                    writer.WriteString("appliedBy", v.AppliedBy);
                    writer.WriteString("change", v.Comment);
                    writer.WriteNumber("rules", v.RuleCount);
                    writer.WriteStartObject("packs");
                    foreach (var (name, text) in v.Packs)
                    {
                        writer.WriteString(name, text);
                    }

                    writer.WriteEndObject();
                }).ConfigureAwait(false);
                return CrmCli.Success;
            }

            if (history.Count == 0)
            {
                await context.Output.WriteLineAsync($"Tenant {tenantId} has no rule packs yet: apply one with `crm rules apply <pack> --tenant {tenantId}`.").ConfigureAwait(false);
                return CrmCli.Success;
            }

            var table = Tables.Create("Version", "Applied (UTC)", "By", "Change", "Rules", "Packs");
            foreach (var v in history)
            {
                Tables.AddRow(table, v.Version.ToString(CultureInfo.InvariantCulture), ValueText.Format(v.AppliedAt), v.AppliedBy, v.Comment, v.RuleCount.ToString(CultureInfo.InvariantCulture), string.Join(", ", v.Packs.Keys));
            }

            context.CreateConsole().Write(table);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildDiff(CliContext context, CliOptions options)
    {
        var tenant = options.CreateTenant();
        var from = new Option<long?>("--from") { Description = "The older version (default: the one before --to).", HelpName = "version" };
        var to = new Option<long?>("--to") { Description = "The newer version (default: the live one).", HelpName = "version" };
        var command = new Command("diff", "Show what changed in the tenant's packs between two rule-base versions (unified diff, per pack file).") { tenant, from, to };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var tenantId = CliOptions.GetTenant(parseResult, tenant);
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var caller = (await session.OpenTenantAsync(tenantId, cancellationToken).ConfigureAwait(false)).Caller;
            var history = await session.Services.GetRequiredService<IRuleBases>().ForCaller(caller).HistoryAsync(cancellationToken).ConfigureAwait(false);
            if (history.Count == 0)
            {
                throw new CliException($"tenant {tenantId} has no rule-base versions to compare: apply a pack with `crm rules apply <pack> --tenant {tenantId}`.");
            }

            RuleBaseVersion Find(long version) => history.FirstOrDefault(v => v.Version == version)
                ?? throw new CliException(string.Create(CultureInfo.InvariantCulture, $"tenant {tenantId} has no rule-base version {version}; its versions are {history[0].Version} to {history[^1].Version}."));
            var newer = Find(parseResult.GetValue(to) ?? history[^1].Version);
            var olderNumber = parseResult.GetValue(from) ?? newer.Version - 1;
            var older = olderNumber == 0 && parseResult.GetValue(from) is null
                ? new RuleBaseVersion(0, newer.AppliedAt, null, "nothing applied", 0, new Dictionary<string, string>())
                : Find(olderNumber);
            var lines = new List<string>();
            foreach (var pack in older.Packs.Keys.Union(newer.Packs.Keys).Order(StringComparer.Ordinal))
            {
                lines.AddRange(TextDiff.Unified(
                    older.Packs.ContainsKey(pack) ? $"v{older.Version}/{pack}" : "/dev/null",
                    newer.Packs.ContainsKey(pack) ? $"v{newer.Version}/{pack}" : "/dev/null",
                    older.Packs.GetValueOrDefault(pack), newer.Packs.GetValueOrDefault(pack)));
            }

            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Tenant {tenantId}: version {older.Version} ({older.Comment}, {older.RuleCount} rules) -> version {newer.Version} ({newer.Comment}, {newer.RuleCount} rules)")).ConfigureAwait(false);
            if (lines.Count == 0)
            {
                await context.Output.WriteLineAsync("The packs are the same.").ConfigureAwait(false);
            }

            foreach (var line in lines)
            {
                await context.Output.WriteLineAsync(line).ConfigureAwait(false);
            }

            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildRollback(CliContext context, CliOptions options)
    {
        var tenant = options.CreateTenant();
        var to = new Option<long>("--to") { Description = "The version whose packs to restore.", HelpName = "version", Required = true };
        var command = new Command("rollback", "Restore the packs of an earlier version, as a new version (history is never rewritten).") { tenant, to };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            var tenantId = CliOptions.GetTenant(parseResult, tenant);
            await using var session = await EngineSession.OpenAsync(parseResult.GetRequiredValue(options.Database), create: false, cancellationToken, parseResult.GetValue(options.User)).ConfigureAwait(false);
            var caller = (await session.OpenTenantAsync(tenantId, cancellationToken).ConfigureAwait(false)).Caller;
            var target = parseResult.GetValue(to);
            var version = await session.Services.GetRequiredService<IRuleBases>().ForCaller(caller).RollbackAsync(target, cancellationToken).ConfigureAwait(false);
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Rolled tenant {tenantId} back to version {target}: now version {version.Version}.")).ConfigureAwait(false);
            return CrmCli.Success;
        });
        return command;
    }

    private static Command BuildActions(CliContext context)
    {
        var json = CliOptions.CreateJson();
        var command = new Command("actions", "List the actions rules can take, with their parameters.") { json };
        CommandAction.Set(command, context, async (parseResult, cancellationToken) =>
        {
            await using var bench = await Workbench.OpenAsync(null, null, null, cancellationToken).ConfigureAwait(false);
            var actions = bench.Catalog.Actions;
            if (parseResult.GetValue(json))
            {
                await JsonOutput.WriteArrayAsync(context.Output, actions, (writer, a) =>
                {
                    writer.WriteString("name", a.Name);
                    writer.WriteString("module", a.Module);
                    writer.WriteString("description", a.Description);
                    writer.WriteStartArray("parameters");
                    foreach (var p in a.Parameters)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("name", p.Name);
                        writer.WriteString("type", TypeName(p.Type));
                        writer.WriteBoolean("required", p.Required);
                        writer.WriteString("description", p.Description);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                }).ConfigureAwait(false);
                return CrmCli.Success;
            }

            foreach (var action in actions)
            {
                await context.Output.WriteLineAsync($"{action.Name} ({action.Module}): {action.Description}").ConfigureAwait(false);
                foreach (var p in action.Parameters)
                {
                    await context.Output.WriteLineAsync($"    {p.Name}: {TypeName(p.Type)}{(p.Required ? ", required" : string.Empty)} — {p.Description}").ConfigureAwait(false);
                }
            }

            return CrmCli.Success;
        });
        return command;
    }

    private static async Task WriteEvaluationAsync(CliContext context, string file, int factCount, RuleEvaluationResult result)
    {
        var output = context.Output;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Dry run of {file} on {factCount} fact(s): {result.Firings.Count} rule firing(s), {result.Actions.Count} action(s) would be taken. Nothing was changed.")).ConfigureAwait(false);
        var actions = new Queue<RuleActionInvocation>(result.Actions);
        foreach (var firing in result.Firings)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{firing.Sequence}. {firing.RuleName}")).ConfigureAwait(false);
            await output.WriteLineAsync($"     facts: {string.Join(", ", firing.Facts.Select(f => $"{f.Key} = {Describe(f.Value)}"))}").ConfigureAwait(false);

            // A firing's actions are captured while it fires, so they come next in the action list.
            while (actions.TryPeek(out var next) && next.RuleName == firing.RuleName && SameFacts(next, firing))
            {
                var action = actions.Dequeue();
                await output.WriteLineAsync($"     -> {action.ActionName}({string.Join(", ", action.Parameters.Select(p => $"{p.Key}: {Describe(p.Value)}"))})").ConfigureAwait(false);
            }
        }

        foreach (var warning in result.Warnings)
        {
            await context.Error.WriteLineAsync("warning: " + warning).ConfigureAwait(false);
        }
    }

    private static bool SameFacts(RuleActionInvocation action, RuleFiring firing) =>
        action.Facts.All(f => firing.Facts.Any(g => g.Key == f.Key && ReferenceEquals(g.Value, f.Value)));

    private static string Describe(object? value) => value switch
    {
        CrmRecord r => r.Values.TryGetValue("subject", out var s) && s is string subject ? $"{r.EntityType} {r.Id} '{subject}'"
            : r.Values.TryGetValue("name", out var n) && n is string name ? $"{r.EntityType} {r.Id} '{name}'" : $"{r.EntityType} {r.Id}",
        BusinessDuration business => business.ToString(),
        TimeSpan span => span.TotalDays >= 1 && span.TotalDays == Math.Floor(span.TotalDays) ? $"{span.TotalDays} day(s)" : $"{span.TotalHours} hour(s)",
        IReadOnlyList<string> list => $"[{string.Join(", ", list)}]",
        string text => $"\"{text}\"",
        null => "null",
        _ => ValueText.Format(value),
    };

    private static string TypeName(RuleParameterType type) => type switch
    {
        RuleParameterType.TextList => "list of text",
        RuleParameterType.Record => "record alias",
        RuleParameterType.BusinessDuration => "business duration",
        _ => type.ToString().ToLowerInvariant(),
    };

    private static async Task<int> WriteErrorsAsync(CliContext context, IReadOnlyList<RulePackError> errors)
    {
        foreach (var error in errors)
        {
            await context.Error.WriteLineAsync("error: " + error).ConfigureAwait(false);
        }

        await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{errors.Count} error(s).")).ConfigureAwait(false);
        return CrmCli.Failure;
    }

    private static async Task<(string Text, string FileName)> ReadPackAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"file not found: {Path.GetFullPath(path)}");
        }

        return (await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), Path.GetFileName(path));
    }

    /// <summary>A workbench over a tenant's metadata (needs the database) or the built-in entities (needs nothing).</summary>
    private sealed class Workbench : IAsyncDisposable
    {
        private readonly EngineSession? _session;
        private readonly ServiceProvider? _offline;

        private Workbench(RulePackWorkbench value, IRuleActionCatalog catalog, string description, EngineSession? session, ServiceProvider? offline)
        {
            Value = value;
            Catalog = catalog;
            Description = description;
            _session = session;
            _offline = offline;
        }

        public RulePackWorkbench Value { get; }

        public IRuleActionCatalog Catalog { get; }

        public string Description { get; }

        /// <summary>Loads the tenant's business calendars for dry runs (null without --tenant: the facts file's or the default).</summary>
        public Func<string, CancellationToken, Task<IBusinessCalendar?>>? Calendars { get; private init; }

        public static async Task<Workbench> OpenAsync(string? database, string? tenantId, string? entitiesFile, CancellationToken cancellationToken)
        {
            var extra = entitiesFile is null ? null : (await ReadPackAsync(entitiesFile, cancellationToken).ConfigureAwait(false)).Text;
            if (!string.IsNullOrWhiteSpace(tenantId))
            {
                var session = await EngineSession.OpenAsync(database ?? CliOptions.DefaultDatabase, create: false, cancellationToken).ConfigureAwait(false);
                try
                {
                    var tenant = await session.OpenTenantAsync(tenantId, cancellationToken).ConfigureAwait(false);
                    var entities = (await tenant.Metadata.ListEntitiesAsync(cancellationToken).ConfigureAwait(false)).Select(e => e.Definition with { Fields = [.. e.Fields.Select(f => f.Definition)] });
                    var catalog = session.Services.GetRequiredService<IRuleActionCatalog>();
                    var merged = extra is null ? [.. entities] : RulePackWorkbench.MergeEntities(entities, extra);
                    var calendars = session.Services.GetRequiredService<IWorkServices>().ForTenant(tenantId).Calendars;
                    return new Workbench(RulePackWorkbench.FromDefinitions(merged, catalog), catalog, $"checked against tenant {tenantId}", session, null)
                    {
                        Calendars = async (key, ct) =>
                        {
                            try
                            {
                                return await calendars.GetAsync(key, ct).ConfigureAwait(false);
                            }
                            catch (CrmNotFoundException)
                            {
                                return null;
                            }
                        },
                    };
                }
                catch
                {
                    await session.DisposeAsync().ConfigureAwait(false);
                    throw;
                }
            }

            var services = new ServiceCollection();
            var builder = EngineSession.AddPlugins(new CrmEngineBuilder(services).AddRulePacks());
            var provider = services.BuildServiceProvider();
            var offlineCatalog = provider.GetRequiredService<IRuleActionCatalog>();
            IReadOnlyList<EntityDefinition> builtIn = [.. builder.Registry.Entities];
            var all = extra is null ? builtIn : RulePackWorkbench.MergeEntities(builtIn, extra);
            var what = extra is null ? "checked against the built-in entities" : $"checked against the built-in entities and {Path.GetFileName(entitiesFile)}";
            return new Workbench(RulePackWorkbench.FromDefinitions(all, offlineCatalog), offlineCatalog, what, null, provider);
        }

        public async ValueTask DisposeAsync()
        {
            if (_session is not null)
            {
                await _session.DisposeAsync().ConfigureAwait(false);
            }

            if (_offline is not null)
            {
                await _offline.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
