using System.Reflection;
using Crm.Engine.Versioning;

namespace Crm.Engine;

/// <summary>Facts about the running engine.</summary>
public static class CrmEngineInfo
{
    /// <summary>
    /// The engine's version, read from this assembly's informational version (set from <c>VersionPrefix</c> in
    /// <c>Directory.Build.props</c>; source-revision suffixes are dropped). Plugins name the oldest engine they run on
    /// with <c>minimumEngineVersion</c>.
    /// </summary>
    public static SemanticVersion Version { get; } = ReadVersion(typeof(CrmEngineInfo).Assembly);

    /// <summary>Reads an assembly's version: its informational version when that is a semantic version, else its assembly version.</summary>
    /// <param name="assembly">The assembly.</param>
    /// <returns>The version.</returns>
    public static SemanticVersion ReadVersion(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (SemanticVersion.TryParse(informational, out var version))
        {
            return version;
        }

        var name = assembly.GetName().Version ?? new Version(0, 0, 0);
        return new SemanticVersion(name.Major, name.Minor, Math.Max(name.Build, 0));
    }
}
