namespace TelemetryHosting.ModelTests;

/// <summary>
/// A generated sequence: the settings, then the steps; printed one step a line when it fails, up to the step after which
/// the model failed (the steps after it never ran).
/// </summary>
internal sealed record Sequence(ModelSettings Settings, IReadOnlyList<Step> Steps)
{
    /// <summary>Gets or sets the failure of the last run of this sequence, if it failed.</summary>
    public ModelViolationException? Failure { get; set; }

    public override string ToString()
    {
        var shown = Failure is { } failure ? Math.Min(failure.Step, Steps.Count) : Steps.Count;
        var lines = Steps.Take(shown).Select((step, i) => $"  {i + 1,2}. {step}");
        var rest = shown < Steps.Count ? $"{Environment.NewLine}  (the {Steps.Count - shown} steps generated after step {shown} never ran)" : string.Empty;
        var drain = Failure is { } f && f.Step > Steps.Count ? $"{Environment.NewLine}  {Steps.Count + 1,2}. (final drain: healthy gateway, running host)" : string.Empty;
        return $"{Settings}{Environment.NewLine}{string.Join(Environment.NewLine, lines)}{drain}{rest}";
    }
}
