using System.Reflection;

namespace TelemetryHosting.DevGateway;

/// <summary>
/// Fault injection settings in force when a <see cref="DevelopmentGateway"/> starts (<c>DevGateway:Faults</c>), one
/// property per fault, each with the shape of <see cref="FaultInjectionOptions"/>; all disabled by default. Change them
/// while the gateway runs through <see cref="GatewayFaults"/>.
/// </summary>
public sealed class GatewayFaultOptions
{
    /// <summary>Gets or sets the seed of every fault's rolls (see <see cref="FaultInjectionOptions.InjectionRate"/>).</summary>
    /// <value>The default value is 0.</value>
    public int Seed { get; set; }

    /// <summary>Gets or sets the fault that makes events fail: their ids are left out of the response and they are not stored.</summary>
    /// <value>The default value is disabled.</value>
    public EventRejectionOptions RejectEvents { get; set; } = new();

    /// <summary>Gets or sets the fault that makes calls (streams or unary) fail at once.</summary>
    /// <value>The default value is disabled.</value>
    public CallFailureOptions FailCalls { get; set; } = new();

    /// <summary>Gets or sets the fault that delays responses.</summary>
    /// <value>The default value is disabled.</value>
    public ResponseDelayOptions DelayResponses { get; set; } = new();

    /// <summary>Gets or sets the fault that treats SAMS tokens as inactive: PermissionDenied "permission denied".</summary>
    /// <value>The default value is disabled.</value>
    public FaultInjectionOptions RejectTokens { get; set; } = new();

    /// <summary>Gets or sets the fault that fails token introspection: Internal "unable to validate token".</summary>
    /// <value>The default value is disabled.</value>
    public FaultInjectionOptions FailTokenIntrospection { get; set; } = new();

    /// <summary>Gets or sets the fault that resets RecordEvents streams on their first events payload.</summary>
    /// <value>The default value is disabled.</value>
    public StreamAbortOptions AbortStreams { get; set; } = new();

    /// <summary>
    /// Gets or sets the fault that leaves RecordEvents streams accepted but never read nor answered until the client
    /// cancels them or the gateway stops (a hung server).
    /// </summary>
    /// <value>The default value is disabled.</value>
    public FaultInjectionOptions HangStreams { get; set; } = new();

    /// <summary>
    /// Gets or sets the fault that closes the connection of RecordEvents streams gracefully (HTTP/2 GOAWAY) when their
    /// first events payload arrives; that stream is still answered, new streams need a new connection.
    /// </summary>
    /// <value>The default value is disabled.</value>
    public FaultInjectionOptions GoAwayStreams { get; set; } = new();

    // Every fault is a property of a FaultInjectionOptions type: copying and validating go over them all, so that a new
    // fault needs no line here.
    private static PropertyInfo[] Faults { get; } =
        [.. typeof(GatewayFaultOptions).GetProperties().Where(p => typeof(FaultInjectionOptions).IsAssignableFrom(p.PropertyType))];

    /// <summary>Returns a deep copy, which later changes to this object do not reach.</summary>
    internal GatewayFaultOptions Clone()
    {
        var copy = new GatewayFaultOptions { Seed = Seed };
        foreach (var fault in Faults)
        {
            fault.SetValue(copy, ((FaultInjectionOptions?)fault.GetValue(this))?.Clone());
        }

        return copy;
    }

    /// <summary>Adds a message naming the fault, the setting and the value for each invalid setting.</summary>
    internal void Validate(List<string> errors)
    {
        foreach (var fault in Faults)
        {
            if (fault.GetValue(this) is FaultInjectionOptions options)
            {
                options.Validate(fault.Name, errors);
            }
            else
            {
                errors.Add($"Faults.{fault.Name} must not be null.");
            }
        }
    }
}
