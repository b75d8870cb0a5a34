using System.Reflection;
using System.Runtime.Loader;
using Crm.Engine.Abstractions.Errors;
using Crm.Engine.Abstractions.Plugins;
using Crm.Engine.Abstractions.Storage;
using Crm.Engine.Plugins.Manifest;
using Crm.Engine.Versioning;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace Crm.Engine.Plugins.Loading;

/// <summary>
/// Finds the plugin folders of one directory, checks manifests, versions and dependencies, orders the plugins by
/// <c>dependsOn</c>, loads each in its own context and registers it. Every error is collected (naming the plugin) so
/// one run reports all of them; a failed plugin registers nothing, and the plugins depending on it are skipped.
/// </summary>
internal sealed class PluginDirectoryLoader(CrmEngineBuilder builder, PluginLoadOptions options, PluginCatalog catalog)
{
    private readonly HashSet<string> _sharedNames = SharedClosure(options);

    public void Load(string root)
    {
        var candidates = new List<Candidate>();
        if (!Directory.Exists(root))
        {
            candidates.Add(Candidate.Broken(Path.GetFileName(root), root, $"The plugins directory '{root}' does not exist."));
        }
        else
        {
            foreach (var folder in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
            {
                candidates.Add(Discover(folder));
            }
        }

        foreach (var required in options.RequiredPlugins.Where(r => !candidates.Any(c => c.Manifest is not null && string.Equals(c.Id, r, StringComparison.Ordinal))))
        {
            candidates.Add(Candidate.Broken(required, Path.Combine(root, required), $"Plugin '{required}' is required, but no folder under '{root}' holds it (expected {Path.Combine(root, required, PluginManifest.FileName)})."));
        }

        CheckDuplicates(candidates);
        foreach (var candidate in candidates.Where(c => c.IsPending))
        {
            CheckEngineAndDependencies(candidate, candidates);
        }

        CheckCycles(candidates);
        var loaded = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        foreach (var candidate in TopologicalOrder(candidates))
        {
            var failedDependency = candidate.Manifest!.DependsOn
                .Select(d => candidates.FirstOrDefault(c => c.Manifest is not null && string.Equals(c.Id, d.Key, StringComparison.Ordinal)))
                .FirstOrDefault(c => c is { Status: not PluginLoadStatus.Loaded });
            if (failedDependency is not null)
            {
                candidate.Skip($"Plugin '{candidate.Id}' was skipped: it depends on '{failedDependency.Id}', which could not be loaded.");
                continue;
            }

            LoadAndRegister(candidate, loaded);
        }

        var ordered = candidates.Where(c => c.Status == PluginLoadStatus.Loaded).OrderBy(c => c.LoadIndex)
            .Concat(candidates.Where(c => c.Status != PluginLoadStatus.Loaded))
            .Select(c => c.ToInfo())
            .ToList();
        catalog.AddRange(ordered);

        var errors = ordered.Where(p => p.Status != PluginLoadStatus.Loaded).ToList();
        if (errors.Count > 0 && options.FailOnError)
        {
            throw new CrmConfigurationException(
                $"{errors.Count} plugin(s) under '{root}' could not be loaded:{Environment.NewLine}" +
                string.Join(Environment.NewLine, errors.Select(e => "  - " + e.Error)));
        }
    }

    private static Candidate Discover(string folder)
    {
        var name = Path.GetFileName(folder);
        var manifestPath = Path.Combine(folder, PluginManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return Candidate.Broken(name, folder, $"Plugin folder '{name}' ({folder}) has no {PluginManifest.FileName}: every plugin folder needs a manifest (see docs/plugins.md).");
        }

        PluginManifest manifest;
        try
        {
            manifest = PluginManifest.Read(manifestPath);
        }
        catch (CrmConfigurationException ex)
        {
            return Candidate.Broken(name, folder, $"Plugin folder '{name}': {ex.Message}");
        }
        catch (IOException ex)
        {
            return Candidate.Broken(name, folder, $"Plugin folder '{name}': {manifestPath} could not be read: {ex.Message}");
        }

        var candidate = new Candidate(manifest.Id, folder, manifest);
        if (!File.Exists(candidate.AssemblyPath))
        {
            candidate.Fail($"Plugin '{manifest.Id}': its assembly {manifest.Assembly} is missing from {folder} (set \"assembly\" in {PluginManifest.FileName} if the file has another name).");
        }

        return candidate;
    }

    private void CheckDuplicates(List<Candidate> candidates)
    {
        foreach (var group in candidates.Where(c => c.Manifest is not null).GroupBy(c => c.Id, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            var folders = string.Join(", ", group.Select(c => c.Directory));
            foreach (var candidate in group)
            {
                candidate.Fail($"Plugin '{candidate.Id}' is installed twice ({folders}): plugin ids are unique; remove one of the folders.");
            }
        }

        foreach (var candidate in candidates.Where(c => c.IsPending && builder.Registry.Plugins.Contains(c.Id, StringComparer.OrdinalIgnoreCase)))
        {
            candidate.Fail($"Plugin '{candidate.Id}' ({candidate.Directory}) is already registered with the engine (in code, or from another plugins directory): plugin ids are unique.");
        }
    }

    private void CheckEngineAndDependencies(Candidate candidate, List<Candidate> candidates)
    {
        var manifest = candidate.Manifest!;
        if (manifest.MinimumEngineVersion is { } minimum && minimum > CrmEngineInfo.Version)
        {
            candidate.Fail($"Plugin '{candidate.Id}' {manifest.Version} needs engine {minimum} or later; this engine is {CrmEngineInfo.Version}. Upgrade the engine or install an older version of the plugin.");
            return;
        }

        var problems = new List<string>();
        foreach (var (dependencyId, range) in manifest.DependsOn)
        {
            var dependency = candidates.FirstOrDefault(c => c.Manifest is not null && string.Equals(c.Id, dependencyId, StringComparison.Ordinal));
            var version = dependency?.Manifest!.Version ?? builder.FindPluginVersion(dependencyId);
            if (version is null)
            {
                problems.Add($"it depends on '{dependencyId}' ({range}), which is not installed");
            }
            else if (!range.IsSatisfiedBy(version))
            {
                problems.Add($"it depends on '{dependencyId}' {range}, but version {version} is installed");
            }
        }

        if (problems.Count > 0)
        {
            candidate.Fail($"Plugin '{candidate.Id}' cannot load: {string.Join("; ", problems)}.");
        }
    }

    private static void CheckCycles(List<Candidate> candidates)
    {
        var byId = candidates.Where(c => c.Manifest is not null).GroupBy(c => c.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on the path, 2 = done
        var path = new List<string>();

        void Visit(Candidate candidate)
        {
            state[candidate.Id] = 1;
            path.Add(candidate.Id);
            foreach (var dependencyId in candidate.Manifest!.DependsOn.Select(d => d.Key).Where(byId.ContainsKey))
            {
                var dependency = byId[dependencyId];
                if (state.GetValueOrDefault(dependencyId) == 1)
                {
                    var cycle = path.Skip(path.IndexOf(dependencyId)).Append(dependencyId).ToList();
                    var text = string.Join(" -> ", cycle);
                    foreach (var member in cycle.Distinct(StringComparer.Ordinal).Select(id => byId[id]).Where(c => c.IsPending))
                    {
                        member.Fail($"Plugin '{member.Id}' is part of a dependency cycle: {text}. Break the cycle (move the shared contract into a plugin both depend on).");
                    }
                }
                else if (state.GetValueOrDefault(dependencyId) == 0)
                {
                    Visit(dependency);
                }
            }

            path.RemoveAt(path.Count - 1);
            state[candidate.Id] = 2;
        }

        foreach (var candidate in byId.Values.OrderBy(c => c.Id, StringComparer.Ordinal).Where(c => state.GetValueOrDefault(c.Id) == 0))
        {
            Visit(candidate);
        }
    }

    /// <summary>Kahn's algorithm over the plugins still pending; ties go by id, so the order is stable.</summary>
    private static List<Candidate> TopologicalOrder(List<Candidate> candidates)
    {
        var pending = candidates.Where(c => c.IsPending).ToList();
        var ids = new HashSet<string>(pending.Select(c => c.Id), StringComparer.Ordinal);
        var remaining = pending.ToDictionary(c => c.Id, c => c.Manifest!.DependsOn.Count(d => ids.Contains(d.Key)), StringComparer.Ordinal);
        var ready = new SortedSet<string>(remaining.Where(r => r.Value == 0).Select(r => r.Key), StringComparer.Ordinal);
        var order = new List<Candidate>();
        while (ready.Count > 0)
        {
            var id = ready.Min!;
            ready.Remove(id);
            var candidate = pending.First(c => c.Id == id);
            order.Add(candidate);
            foreach (var dependent in pending.Where(c => c.Manifest!.DependsOn.Any(d => d.Key == id)))
            {
                if (--remaining[dependent.Id] == 0)
                {
                    ready.Add(dependent.Id);
                }
            }
        }

        return order;
    }

    private void LoadAndRegister(Candidate candidate, Dictionary<string, Candidate> loaded)
    {
        var manifest = candidate.Manifest!;
        var carried = Directory.GetFiles(candidate.Directory, "*.dll")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Where(n => !string.Equals(n + ".dll", manifest.Assembly, StringComparison.OrdinalIgnoreCase))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var copy in carried.Where(_sharedNames.Contains).Order(StringComparer.Ordinal))
        {
            candidate.Warnings.Add($"its folder carries its own {copy}.dll, which is ignored: the host's copy is shared with every plugin. Reference it with Private=false and ExcludeAssets=runtime.");
        }

        var dependencies = manifest.DependsOn.Select(d => loaded.GetValueOrDefault(d.Key)).OfType<Candidate>().ToList();
        var exports = new Dictionary<string, AssemblyLoadContext>(StringComparer.Ordinal);
        foreach (var dependency in dependencies)
        {
            foreach (var name in dependency.ExportedAssemblies)
            {
                exports.TryAdd(name, dependency.LoadContext!);
            }
        }

        Assembly assembly;
        PluginLoader loader;
        try
        {
            loader = PluginLoader.CreateFromAssemblyFile(
                candidate.AssemblyPath,
                isUnloadable: false,
                sharedTypes: [.. options.SharedTypes],
                config =>
                {
                    // Only the listed contracts are unified with the host: PreferSharedTypes would also swap a plugin's
                    // private library for the host's whenever the host's assembly version is the same or higher.
                    config.PreferSharedTypes = false;
                    foreach (var name in options.SharedAssemblies.Where(HostHas))
                    {
                        config.SharedAssemblies.Add(new AssemblyName(name));
                    }

                    if (dependencies.Count > 0)
                    {
                        config.DefaultContext = new DependencyLoadContext(candidate.Id, exports, [.. dependencies.Select(d => d.LoadContext!)]);
                        foreach (var name in exports.Keys)
                        {
                            config.SharedAssemblies.Add(new AssemblyName(name));
                        }

                        // What the plugin ships stays its own, even where a dependency's contract references another version.
                        foreach (var name in carried.Where(n => !_sharedNames.Contains(n) && !exports.ContainsKey(n)))
                        {
                            config.PrivateAssemblies.Add(new AssemblyName(name));
                        }
                    }
                });
            // A host that references the plugin's own assembly (to call its typed API) shares it: the plugin then runs
            // from the host's copy, so the host and the plugin see one type. Otherwise the plugin's copy, in its context.
            var onDisk = AssemblyName.GetAssemblyName(candidate.AssemblyPath);
            if (_sharedNames.Contains(onDisk.Name!))
            {
                assembly = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(onDisk.Name!));
                if (assembly.GetName().Version != onDisk.Version)
                {
                    candidate.Warnings.Add($"the host shares {onDisk.Name} (it references it), so the host's version {assembly.GetName().Version} runs, not the folder's {onDisk.Version}.");
                }
            }
            else
            {
                assembly = loader.LoadDefaultAssembly();
            }
        }
        catch (Exception ex) when (ex is IOException or BadImageFormatException or ArgumentException or InvalidOperationException)
        {
            candidate.Fail($"Plugin '{candidate.Id}': {manifest.Assembly} could not be loaded from {candidate.Directory}: {ex.Message}");
            return;
        }

        var pluginType = FindPluginType(candidate, assembly);
        if (pluginType is null)
        {
            return;
        }

        ICrmPlugin plugin;
        try
        {
            plugin = (ICrmPlugin)Activator.CreateInstance(pluginType, nonPublic: true)!;
        }
        catch (Exception ex) when (ex is MissingMethodException or TargetInvocationException or MemberAccessException)
        {
            candidate.Fail($"Plugin '{candidate.Id}': {pluginType.FullName} could not be created ({(ex as TargetInvocationException)?.InnerException?.Message ?? ex.Message}); an ICrmPlugin needs a parameterless constructor that does not throw.");
            return;
        }

        var recording = new RecordingPluginBuilder(candidate.Id, builder.Services);
        try
        {
            plugin.Configure(recording);
        }
        catch (Exception ex) // whatever a plugin throws is reported, naming the plugin
        {
            candidate.Fail($"Plugin '{candidate.Id}' failed while configuring: {ex.GetType().Name}: {ex.Message}");
            return;
        }

        try
        {
            // A dry run on a scratch engine holding what is registered so far: a registration the engine refuses
            // (an entity defined twice, say) must fail before anything reaches the real builder.
            Rehearse(candidate, recording);
            builder.AddPlugin(new RecordingPluginBuilder.Replaying(recording), candidate.Id, manifest.Version);
        }
        catch (CrmConfigurationException ex)
        {
            candidate.Fail(ex.Message);
            return;
        }

        candidate.LoadContext = AssemblyLoadContext.GetLoadContext(assembly);
        candidate.ExportedAssemblies = [assembly.GetName().Name!, .. manifest.Exports];
        candidate.Loaded(loaded.Count);
        loaded[candidate.Id] = candidate;
    }

    private static Type? FindPluginType(Candidate candidate, Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            var reasons = ex.LoaderExceptions.OfType<Exception>().Select(e => e.Message).Distinct(StringComparer.Ordinal).Take(3);
            var sdk = typeof(ICrmPlugin).Assembly.GetName();
            var builtAgainst = assembly.GetReferencedAssemblies().FirstOrDefault(r => r.Name == sdk.Name);
            var hint = builtAgainst?.Version > sdk.Version
                ? $"It was built against {sdk.Name} {builtAgainst!.Version}, newer than this host's {sdk.Version}: install a version of the plugin built for this engine ({CrmEngineInfo.Version}), or upgrade the engine."
                : "Was it built against a newer Microsoft.Extensions than this host's, or is a dependency missing from its folder?";
            candidate.Fail($"Plugin '{candidate.Id}': the types of {candidate.Manifest!.Assembly} could not be loaded ({string.Join("; ", reasons)}). {hint}");
            return null;
        }

        var contract = typeof(ICrmPlugin);
        var plugins = types.Where(t => t is { IsClass: true, IsAbstract: false } && contract.IsAssignableFrom(t)).ToList();
        if (plugins.Count == 1)
        {
            return plugins[0];
        }

        if (plugins.Count > 1)
        {
            candidate.Fail($"Plugin '{candidate.Id}': {candidate.Manifest!.Assembly} has {plugins.Count} classes implementing ICrmPlugin ({string.Join(", ", plugins.Select(p => p.FullName))}); a plugin has exactly one entry point.");
            return null;
        }

        var foreign = types.Where(t => t.IsClass && t.GetInterfaces().Any(i => i.FullName == contract.FullName)).ToList();
        if (foreign.Count > 0)
        {
            var copy = foreign[0].GetInterfaces().First(i => i.FullName == contract.FullName).Assembly.GetName();
            candidate.Fail(
                $"Plugin '{candidate.Id}' is packaged wrongly: {foreign[0].FullName} implements {contract.FullName} from its own copy " +
                $"({copy.Name} {copy.Version}), not from the host's {contract.Assembly.GetName().Name} {contract.Assembly.GetName().Version}, so the engine cannot use it. " +
                "Reference the Crm.Engine.Abstractions package (Private=false, ExcludeAssets=runtime) instead of copying or embedding it, and remove any copy from the plugin folder.");
            return null;
        }

        candidate.Fail($"Plugin '{candidate.Id}': {candidate.Manifest!.Assembly} has no class implementing ICrmPlugin (the plugin's entry point).");
        return null;
    }

    /// <summary>Replays the recording on a throw-away engine holding the entities, plugin ids and migration modules registered so far.</summary>
    private void Rehearse(Candidate candidate, RecordingPluginBuilder recording)
    {
        var scratch = new CrmEngineBuilder(new ServiceCollection());
        var source = builder.Registry;
        foreach (var pluginId in source.Plugins.Where(p => p != Metadata.CrmRegistry.CoreSchemaModule))
        {
            scratch.AddPlugin(new SnapshotPlugin(source, scratch.Registry, pluginId), pluginId, CrmEngineInfo.Version);
        }

        scratch.AddPlugin(new SnapshotPlugin(source, scratch.Registry, null), "crm-plugins-snapshot", CrmEngineInfo.Version);
        scratch.AddPlugin(new RecordingPluginBuilder.Replaying(recording), candidate.Id, candidate.Manifest!.Version);
    }

    private static bool HostHas(string assemblyName)
    {
        try
        {
            AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(assemblyName));
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The names of the shared assemblies and of everything they reference: a plugin never gets its own copy of these.</summary>
    private static HashSet<string> SharedClosure(PluginLoadOptions options)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var queue = new Queue<Assembly>(options.SharedTypes.Select(t => t.Assembly));
        foreach (var name in options.SharedAssemblies.Where(HostHas))
        {
            queue.Enqueue(AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName(name)));
        }

        while (queue.TryDequeue(out var assembly))
        {
            if (assembly.GetName().Name is not { } name || !names.Add(name))
            {
                continue;
            }

            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                try
                {
                    queue.Enqueue(AssemblyLoadContext.Default.LoadFromAssemblyName(reference));
                }
                catch (FileNotFoundException)
                {
                    // A reference the host never needs; nothing to share.
                }
            }
        }

        return names;
    }

    /// <summary>
    /// Re-creates, on a scratch builder, what one plugin of the real builder registered (its entities and migration
    /// modules), so the scratch engine refuses exactly what the real one would, with the same messages. With no
    /// plugin id: everything left (fields added to other modules' entities, other migration modules).
    /// </summary>
    private sealed class SnapshotPlugin(Metadata.CrmRegistry source, Metadata.CrmRegistry scratch, string? pluginId) : ICrmPlugin
    {
        public void Configure(ICrmPluginBuilder builder)
        {
            foreach (var entity in source.Entities.Where(e => pluginId is null || e.Module == pluginId))
            {
                var existing = scratch.FindEntity(entity.ApiName);
                if (existing is null)
                {
                    builder.AddEntity(entity);
                }
                else if (pluginId is null && entity.Fields.Where(f => existing.Fields.All(e => e.ApiName != f.ApiName)).ToList() is { Count: > 0 } added)
                {
                    builder.ExtendEntity(entity.ApiName, added);
                }
            }

            var registered = scratch.Migrations.Select(m => m.ModuleId).ToHashSet(StringComparer.Ordinal);
            foreach (var module in source.Migrations.Select(m => m.ModuleId)
                .Where(m => m != Metadata.CrmRegistry.CoreSchemaModule && !registered.Contains(m) && (pluginId is null || m == pluginId)))
            {
                builder.AddMigrations(new NoMigrations(module));
            }
        }
    }

    private sealed class NoMigrations(string moduleId) : IMigrationSource
    {
        public string ModuleId { get; } = moduleId;

        public IReadOnlyList<SqlMigration> GetMigrations(string provider) => [];
    }

    private sealed class Candidate(string id, string directory, PluginManifest? manifest)
    {
        public string Id { get; } = id;

        public string Directory { get; } = directory;

        public PluginManifest? Manifest { get; } = manifest;

        public string AssemblyPath => Path.Combine(Directory, Manifest?.Assembly ?? Id + ".dll");

        public PluginLoadStatus? Status { get; private set; }

        public string? Error { get; private set; }

        public List<string> Warnings { get; } = [];

        public int LoadIndex { get; private set; }

        public AssemblyLoadContext? LoadContext { get; set; }

        public IReadOnlyList<string> ExportedAssemblies { get; set; } = [];

        public bool IsPending => Status is null && Manifest is not null;

        public static Candidate Broken(string id, string directory, string error)
        {
            var candidate = new Candidate(id, directory, null);
            candidate.Fail(error);
            return candidate;
        }

        public void Fail(string error)
        {
            if (Status is null)
            {
                Status = PluginLoadStatus.Failed;
                Error = error;
            }
        }

        public void Skip(string error)
        {
            Status = PluginLoadStatus.Skipped;
            Error = error;
        }

        public void Loaded(int index)
        {
            Status = PluginLoadStatus.Loaded;
            LoadIndex = index;
        }

        public PluginInfo ToInfo() => new(Id, Manifest?.Version.ToString(), Manifest?.DisplayName, Manifest?.Description, Directory, Status ?? PluginLoadStatus.Failed, Error)
        {
            Warnings = [.. Warnings],
        };
    }
}
