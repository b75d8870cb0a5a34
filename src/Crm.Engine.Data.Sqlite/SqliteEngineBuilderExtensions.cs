using Crm.Engine;
using Crm.Engine.Abstractions.Storage;
using Crm.Engine.Data.Sqlite;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Chooses embedded SQLite as the engine's store.</summary>
public static class SqliteEngineBuilderExtensions
{
    /// <summary>Stores the engine's data in a SQLite database (created if missing).</summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string, e.g. <c>Data Source=crm.db</c>.</param>
    /// <returns>The builder.</returns>
    public static CrmEngineBuilder UseSqlite(this CrmEngineBuilder builder, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return builder.UseSqlite(_ => connectionString);
    }

    /// <summary>Stores the engine's data in a SQLite database whose connection string is known once services are built.</summary>
    /// <param name="builder">The engine builder.</param>
    /// <param name="connectionString">Reads the connection string from the built services (e.g. from configuration).</param>
    /// <returns>The builder.</returns>
    public static CrmEngineBuilder UseSqlite(this CrmEngineBuilder builder, Func<IServiceProvider, string> connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(connectionString);
        return builder.UseStorage(
            services => new SqliteStorageProvider(connectionString(services)),
            new EmbeddedMigrationSource(Crm.Engine.Metadata.CrmRegistry.CoreSchemaModule, typeof(SqliteStorageProvider).Assembly, "Crm.Engine.Data.Sqlite.Migrations"));
    }
}
