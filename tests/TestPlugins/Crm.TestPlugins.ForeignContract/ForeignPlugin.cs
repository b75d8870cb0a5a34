namespace Crm.Engine.Abstractions.Plugins
{
    /// <summary>A copy of the SDK's entry point: same name, another assembly, so not the host's type.</summary>
    public interface ICrmPlugin
    {
        /// <summary>Configures nothing.</summary>
        void Configure();
    }
}

namespace Crm.TestPlugins.ForeignContract
{
    /// <summary>Implements an ICrmPlugin, but not the host's.</summary>
    public sealed class ForeignPlugin : Crm.Engine.Abstractions.Plugins.ICrmPlugin
    {
        /// <inheritdoc />
        public void Configure()
        {
        }
    }
}
