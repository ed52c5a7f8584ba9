namespace TelemetryHosting.ModelTests;

/// <summary>The model did not hold after a step: which rule (<see cref="Rule"/>), at which step, and how.</summary>
public sealed class ModelViolationException : Exception
{
    public ModelViolationException()
    {
    }

    public ModelViolationException(string message)
        : base(message)
    {
    }

    public ModelViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal ModelViolationException(string rule, int step, string message)
        : base($"Step {step} [{rule}]: {message}")
    {
        Rule = rule;
        Step = step;
    }

    /// <summary>Gets the short name of the rule that failed, for example <c>record-refused</c>.</summary>
    public string Rule { get; } = "unknown";

    /// <summary>Gets the 1-based step after which the rule failed (one past the last step: the final drain).</summary>
    public int Step { get; }
}
