using System.Text.Json.Nodes;

namespace Crm.Engine.Plugins.Tests;

/// <summary>
/// A temp plugins directory holding copies of the test plugins the build laid out in bin/.../plugins/ (see
/// build/Crm.Plugins.targets), so each test chooses its plugins and may break their manifests.
/// </summary>
internal sealed class PluginFolders : IDisposable
{
    public static readonly string BuiltPlugins = Path.Combine(AppContext.BaseDirectory, "plugins");

    public PluginFolders()
    {
        Root = Path.Combine(Path.GetTempPath(), "crm-plugin-tests", Guid.NewGuid().ToString("N"), "plugins");
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>Copies a built test plugin (its folder name under bin/.../plugins) into the directory.</summary>
    public string Add(string builtFolder, string? asFolder = null)
    {
        var source = Path.Combine(BuiltPlugins, builtFolder);
        Assert.True(Directory.Exists(source), $"The build did not lay out {source}.");
        var target = Path.Combine(Root, asFolder ?? builtFolder);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }

        return target;
    }

    /// <summary>Changes a copied plugin's manifest.</summary>
    public void EditManifest(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(Root, folder, "plugin.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    public void WriteManifest(string folder, string text) => File.WriteAllText(Path.Combine(Root, folder, "plugin.json"), text);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path.GetDirectoryName(Root)!, recursive: true);
        }
        catch (IOException)
        {
            // Loaded plugin assemblies stay mapped until the process ends; the OS temp cleaner takes them.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
