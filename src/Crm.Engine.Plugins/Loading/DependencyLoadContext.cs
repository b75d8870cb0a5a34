using System.Reflection;
using System.Runtime.Loader;

namespace Crm.Engine.Plugins.Loading;

/// <summary>
/// The "default" context of a plugin that depends on other plugins (McMaster's <c>PluginConfig.DefaultContext</c>):
/// the assemblies its dependencies export resolve to the dependency's own load context, so a dependent sees the same
/// contract types as the plugin that implements them; everything else resolves to the host, as for any plugin.
/// </summary>
internal sealed class DependencyLoadContext(string pluginId, IReadOnlyDictionary<string, AssemblyLoadContext> exports, IReadOnlyList<AssemblyLoadContext> dependencies)
    : AssemblyLoadContext($"crm-plugin-dependencies:{pluginId}", isCollectible: false)
{
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is { } name && exports.TryGetValue(name, out var owner))
        {
            return owner.LoadFromAssemblyName(assemblyName);
        }

        // McMaster walks the references of every shared assembly through this context when it builds the plugin's
        // context; a dependency's exported assembly may reference its private libraries, which only it can resolve.
        if (TryLoad(Default, assemblyName) is { } fromHost)
        {
            return fromHost;
        }

        foreach (var dependency in dependencies)
        {
            if (TryLoad(dependency, assemblyName) is { } fromDependency)
            {
                return fromDependency;
            }
        }

        return null;
    }

    private static Assembly? TryLoad(AssemblyLoadContext context, AssemblyName name)
    {
        try
        {
            return context.LoadFromAssemblyName(name);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (FileLoadException)
        {
            return null;
        }
    }
}
