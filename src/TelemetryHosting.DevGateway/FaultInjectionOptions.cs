using System.Globalization;

namespace TelemetryHosting.DevGateway;

/// <summary>
/// The settings every fault of a <see cref="DevelopmentGateway"/> has, after Polly's chaos strategies: an enabled switch,
/// an injection rate and an optional limit. A fault with nothing else to set uses this type as it is; the others derive
/// from it. See <see cref="GatewayFaultOptions"/>.
/// </summary>
public class FaultInjectionOptions
{
    /// <summary>Gets or sets a value indicating whether the fault is injected at all.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>
    /// Gets or sets the fraction (0 to 1) of the occasions (events, calls, streams, responses, token checks) on which the
    /// fault is injected once enabled. Rolls are reproducible from <see cref="GatewayFaultOptions.Seed"/>.
    /// </summary>
    /// <value>The default value is 1: every occasion.</value>
    public double InjectionRate { get; set; } = 1;

    /// <summary>Gets or sets how many times at most the fault is injected; <see langword="null"/> for no limit.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? MaxInjections { get; set; }

    /// <summary>Returns a copy that later changes to this object do not reach.</summary>
    internal virtual FaultInjectionOptions Clone() => (FaultInjectionOptions)MemberwiseClone();

    /// <summary>Adds a message naming <paramref name="name"/> and the value for each invalid setting.</summary>
    internal virtual void Validate(string name, List<string> errors)
    {
        if (InjectionRate is < 0 or > 1 || double.IsNaN(InjectionRate))
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Faults.{name}.InjectionRate must be between 0 and 1 (was {InjectionRate})."));
        }

        if (MaxInjections < 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Faults.{name}.MaxInjections must not be negative (was {MaxInjections})."));
        }
    }
}
