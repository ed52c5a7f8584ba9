using System.Globalization;

namespace TelemetryHosting.DevGateway;

/// <summary>
/// Settings of <see cref="GatewayFaultOptions.DelayResponses"/>: responses (each payload's response on a stream, the unary
/// response) wait before they are sent, on the gateway's <see cref="TimeProvider"/>.
/// </summary>
public sealed class ResponseDelayOptions : FaultInjectionOptions
{
    /// <summary>Gets or sets how long a delayed response waits.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan Delay { get; set; }

    internal override void Validate(string name, List<string> errors)
    {
        base.Validate(name, errors);
        if (Delay < TimeSpan.Zero)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"Faults.{name}.Delay must not be negative (was {Delay})."));
        }
    }
}
