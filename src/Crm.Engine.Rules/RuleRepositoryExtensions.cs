using Crm.Engine.Rules.RuleModel;

namespace Crm.Engine.Rules;

/// <summary>Reads and compiles the rules of a repository (in the engine's root namespace, as in NRules).</summary>
public static class RuleRepositoryExtensions
{
    /// <summary>Every rule of every rule set of the repository.</summary>
    /// <param name="repository">The repository.</param>
    /// <returns>The rule definitions.</returns>
    public static IEnumerable<IRuleDefinition> GetRules(this IRuleRepository repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return repository.GetRuleSets().SelectMany(s => s.Rules);
    }

    /// <summary>Compiles every rule of every rule set of the repository.</summary>
    /// <param name="repository">The repository.</param>
    /// <returns>The session factory.</returns>
    public static ISessionFactory Compile(this IRuleRepository repository) => repository.Compile(CancellationToken.None);

    /// <summary>Compiles every rule of every rule set of the repository; stops between rules when cancelled.</summary>
    /// <param name="repository">The repository.</param>
    /// <param name="cancellationToken">Cancels the compilation.</param>
    /// <returns>The session factory.</returns>
    public static ISessionFactory Compile(this IRuleRepository repository, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        return new RuleCompiler().Compile(repository.GetRuleSets(), cancellationToken);
    }
}
