namespace Crm.Engine;

/// <summary>
/// Work a component does once when the engine initializes, after the store is migrated and the plugin versions are
/// recorded. Register implementations as services; they run in registration order, and an exception stops start-up.
/// </summary>
public interface IEngineInitializer
{
    /// <summary>Runs the work.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the work is done.</returns>
    Task InitializeAsync(CancellationToken cancellationToken);
}
