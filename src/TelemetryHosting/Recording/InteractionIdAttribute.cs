namespace TelemetryHosting;

/// <summary>
/// Records a <see cref="string"/> parameter of a <see cref="TelemetryEventAttribute"/> method as the event's
/// interaction id. A parameter named <c>interactionId</c> is taken without it.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
public sealed class InteractionIdAttribute : Attribute
{
}
