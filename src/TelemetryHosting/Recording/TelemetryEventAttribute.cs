namespace TelemetryHosting;

/// <summary>
/// Declares a <see langword="partial"/> method that records one event, known at compile time; the TelemetryHosting
/// source generator writes its body.
/// </summary>
/// <remarks>
/// <para>
/// The method is either a <see langword="static"/> extension method on <see cref="ITelemetryRecorder"/> (or a static
/// method whose first parameter is an <see cref="ITelemetryRecorder"/>), or an instance method of a class that holds
/// one <see cref="ITelemetryRecorder"/> field or primary constructor parameter. It returns <see langword="void"/> or
/// <see cref="bool"/> (what <see cref="ITelemetryRecorder.Record"/> returned).
/// </para>
/// <para>
/// Its other parameters become the event: numbers, <see cref="bool"/> (1 or 0) and <see cref="TimeSpan"/> (in
/// milliseconds) are metadata under the parameter's name in camelCase; parameters marked
/// <see cref="PrivateMetadataAttribute"/> are private metadata; a <see cref="TelemetryEventUser"/> parameter is the
/// user; a <see cref="string"/> parameter named <c>interactionId</c> or marked <see cref="InteractionIdAttribute"/> is
/// the interaction id. The names are checked at compile time with the gateway's rules (diagnostic TH0001).
/// </para>
/// <para>
/// The generated method records through <see cref="TelemetryEventDefinition"/>, which checks at run time only what the
/// compiler cannot know: as <see cref="ITelemetryRecorder.Record"/> does, it throws <see cref="ArgumentException"/> for a
/// <see cref="float"/> or <see cref="double"/> metadata value that is not finite (<see cref="double.NaN"/> or an
/// infinity) and for a private metadata value of a type the recorder does not take. A method whose recorder is declared
/// nullable (<c>ITelemetryRecorder?</c>) records nothing, and returns <see langword="false"/>, while it is
/// <see langword="null"/>: the recorder field or primary constructor parameter of an instance method, and equally the
/// receiver of an extension method declared <c>this ITelemetryRecorder? recorder</c> (called on a null recorder, it does
/// nothing rather than throw <see cref="ArgumentNullException"/>).
/// </para>
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TelemetryEventAttribute : Attribute
{
    /// <summary>Declares the event's feature and action.</summary>
    /// <param name="feature">The feature, for example <c>search.results</c>.</param>
    /// <param name="action">The action, for example <c>view</c>.</param>
    public TelemetryEventAttribute(string feature, string action)
    {
        Feature = feature;
        Action = action;
    }

    /// <summary>Gets the event's feature.</summary>
    public string Feature { get; }

    /// <summary>Gets the event's action.</summary>
    public string Action { get; }

    /// <summary>Gets or sets the event's version. The default value is 0 (no version).</summary>
    public int Version { get; set; }

    /// <summary>
    /// Gets or sets the billing product id the event is attributed to; set together with <see cref="BillingCategory"/>.
    /// The default value is <see langword="null"/> (no billing metadata).
    /// </summary>
    public string? BillingProduct { get; set; }

    /// <summary>
    /// Gets or sets the billing category id the event is attributed to; set together with <see cref="BillingProduct"/>.
    /// The default value is <see langword="null"/> (no billing metadata).
    /// </summary>
    public string? BillingCategory { get; set; }
}
