using System.Linq.Expressions;

namespace Crm.Engine.Rules;

/// <summary>Base of the errors raised while a session runs rules (NRules: <c>RuleExecutionException</c>).</summary>
public class RuleExecutionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RuleExecutionException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    public RuleExecutionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="innerException">Cause.</param>
    public RuleExecutionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A rule expression threw while being evaluated.</summary>
public class RuleExpressionEvaluationException : RuleExecutionException
{
    /// <summary>Creates the exception.</summary>
    public RuleExpressionEvaluationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    public RuleExpressionEvaluationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="innerException">What the expression threw.</param>
    public RuleExpressionEvaluationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="ruleName">Rule (or rules, comma separated) the expression belongs to.</param>
    /// <param name="expression">The expression.</param>
    /// <param name="innerException">What the expression threw.</param>
    public RuleExpressionEvaluationException(string message, string ruleName, Expression? expression, Exception innerException)
        : base(message, innerException)
    {
        RuleName = ruleName;
        Expression = expression;
    }

    /// <summary>The rule (or rules, comma separated, for a condition shared by several rules).</summary>
    public string? RuleName { get; }

    /// <summary>The failing expression.</summary>
    public Expression? Expression { get; }
}

/// <summary>A condition, binding or aggregate expression threw.</summary>
public class RuleLhsExpressionEvaluationException : RuleExpressionEvaluationException
{
    /// <summary>Creates the exception.</summary>
    public RuleLhsExpressionEvaluationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    public RuleLhsExpressionEvaluationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="innerException">Cause.</param>
    public RuleLhsExpressionEvaluationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="ruleName">Rule name(s).</param>
    /// <param name="expression">Expression.</param>
    /// <param name="innerException">Cause.</param>
    public RuleLhsExpressionEvaluationException(string message, string ruleName, Expression? expression, Exception innerException)
        : base(message, ruleName, expression, innerException)
    {
    }
}

/// <summary>An action threw.</summary>
public class RuleRhsExpressionEvaluationException : RuleExpressionEvaluationException
{
    /// <summary>Creates the exception.</summary>
    public RuleRhsExpressionEvaluationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    public RuleRhsExpressionEvaluationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="innerException">Cause.</param>
    public RuleRhsExpressionEvaluationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="ruleName">Rule name.</param>
    /// <param name="expression">Expression.</param>
    /// <param name="innerException">Cause.</param>
    public RuleRhsExpressionEvaluationException(string message, string ruleName, Expression? expression, Exception innerException)
        : base(message, ruleName, expression, innerException)
    {
    }
}

/// <summary>One <c>Fire</c> call fired more rules than <see cref="ISession.MaxFiringsPerFire"/> (usually rules re-activating each other endlessly).</summary>
public class RuleFiringLimitExceededException : RuleExecutionException
{
    /// <summary>Creates the exception.</summary>
    public RuleFiringLimitExceededException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    public RuleFiringLimitExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="innerException">Cause.</param>
    public RuleFiringLimitExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="ruleName">Rule that fired most often in the call.</param>
    /// <param name="limit">The limit.</param>
    public RuleFiringLimitExceededException(string ruleName, int limit)
        : base($"More than {limit} rules fired in one Fire() call; rule '{ruleName}' fired most often and probably re-activates itself. Mark it [Repeatability(NonRepeatable)], tighten its conditions or raise ISession.MaxFiringsPerFire.")
    {
        RuleName = ruleName;
        Limit = limit;
    }

    /// <summary>The rule that fired most often.</summary>
    public string? RuleName { get; }

    /// <summary>The limit that was exceeded.</summary>
    public int Limit { get; }
}

/// <summary>A rule could not be compiled.</summary>
public class RuleCompilationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RuleCompilationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    public RuleCompilationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">Message.</param>
    /// <param name="innerException">Cause.</param>
    public RuleCompilationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a rule.</summary>
    /// <param name="message">Message.</param>
    /// <param name="ruleName">The rule that could not be compiled.</param>
    /// <param name="innerException">Cause, if any.</param>
    public RuleCompilationException(string message, string? ruleName, Exception? innerException)
        : base(message, innerException)
    {
        RuleName = ruleName;
    }

    /// <summary>The rule that could not be compiled, when one is to blame.</summary>
    public string? RuleName { get; internal set; }
}
