using System.ComponentModel;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting;

/// <summary>
/// One event declared with <see cref="TelemetryEventAttribute"/>: its feature, action, version, metadata keys, private
/// metadata keys and billing, checked once when the definition is created. For generated code; not for direct use.
/// </summary>
/// <remarks>
/// The TelemetryHosting source generator keeps one instance per <c>[TelemetryEvent]</c> method in a static field and
/// records through <see cref="Record"/>, as <c>LoggerMessage.Define</c> serves <c>[LoggerMessage]</c>. With the library's
/// telemetry recorder the event is built directly from the values, without the dictionaries of
/// <see cref="TelemetryEventParameters"/> and without checking again the names checked here; with any other
/// <see cref="ITelemetryRecorder"/> (a fake, a decorator) it calls <see cref="ITelemetryRecorder.Record"/> with the
/// equivalent parameters.
/// <para>
/// This type is a binary contract: generated code is compiled into third-party assemblies, which then run against later
/// versions of this library. Once shipped, the signatures of the constructor and of <see cref="Record"/> (parameter
/// types, order, names and defaults, and the return type) are frozen: they are never changed or removed, and the type
/// is extended only by new overloads. A later version must also accept every definition an earlier generator wrote.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class TelemetryEventDefinition
{
    private readonly string[] _metadataKeys;
    private readonly string[] _privateMetadataKeys;

    // For recorders other than the library's, an event with nothing that varies between calls passes one instance.
    private readonly TelemetryEventParameters? _constantParameters;

    /// <summary>Initializes a new instance of the <see cref="TelemetryEventDefinition"/> class, checking every name.</summary>
    /// <param name="feature">The event's feature.</param>
    /// <param name="action">The event's action.</param>
    /// <param name="version">The event's version.</param>
    /// <param name="metadataKeys">The metadata keys, in the order <see cref="Record"/> takes their values.</param>
    /// <param name="privateMetadataKeys">The private metadata keys, in the order <see cref="Record"/> takes their values.</param>
    /// <param name="billingProduct">The billing product, set together with <paramref name="billingCategory"/> or not at all.</param>
    /// <param name="billingCategory">The billing category.</param>
    /// <exception cref="ArgumentException">
    /// A name breaks the gateway's rules (the message is the gateway's own), a key is empty or given twice, or only one
    /// of the billing product and category is set.
    /// </exception>
    public TelemetryEventDefinition(
        string feature,
        string action,
        int version = 0,
        string[]? metadataKeys = null,
        string[]? privateMetadataKeys = null,
        string? billingProduct = null,
        string? billingCategory = null)
    {
        RecordedParameters.ThrowIfInvalidName(feature, action);
        _metadataKeys = CheckKeys(metadataKeys, "Metadata", nameof(metadataKeys));
        _privateMetadataKeys = CheckKeys(privateMetadataKeys, "Private metadata", nameof(privateMetadataKeys));
        if (string.IsNullOrEmpty(billingProduct) != string.IsNullOrEmpty(billingCategory))
        {
            throw new ArgumentException("Billing product and category must be set together.", string.IsNullOrEmpty(billingProduct) ? nameof(billingProduct) : nameof(billingCategory));
        }

        Feature = feature;
        Action = action;
        Version = version;
        Billing = string.IsNullOrEmpty(billingProduct) ? null : new TelemetryBillingMetadata { Product = billingProduct, Category = billingCategory! };
        _constantParameters = version == 0 && Billing is null ? null : new TelemetryEventParameters { Version = version, Billing = Billing };
    }

    internal string Feature { get; }

    internal string Action { get; }

    internal int Version { get; }

    internal TelemetryBillingMetadata? Billing { get; }

    internal ReadOnlySpan<string> MetadataKeys => _metadataKeys;

    internal ReadOnlySpan<string> PrivateMetadataKeys => _privateMetadataKeys;

    /// <summary>Records the event. For generated code; not for direct use.</summary>
    /// <param name="recorder">The telemetry recorder.</param>
    /// <param name="metadata">
    /// The metadata values, one for each metadata key of the definition, in its order; a <see langword="null"/> value
    /// leaves its key out of the event.
    /// </param>
    /// <param name="privateMetadata">The private metadata values, one for each private metadata key, in its order.</param>
    /// <param name="interactionId">The interaction id, or <see langword="null"/> for the enrichers' or the baggage's.</param>
    /// <param name="user">The user the event is about, or <see langword="null"/>.</param>
    /// <returns>What <see cref="ITelemetryRecorder.Record"/> returns.</returns>
    /// <exception cref="ArgumentException">
    /// A metadata value is not a finite number (<see cref="double.NaN"/> or an infinity), a private metadata value has a
    /// type the recorder does not take, or a span's length is not the number of its keys: what
    /// <see cref="ITelemetryRecorder.Record"/> throws for the same values.
    /// </exception>
    public bool Record(
        ITelemetryRecorder recorder,
        ReadOnlySpan<double?> metadata = default,
        ReadOnlySpan<object?> privateMetadata = default,
        string? interactionId = null,
        TelemetryEventUser? user = null)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        if (metadata.Length != _metadataKeys.Length)
        {
            throw new ArgumentException($"Expected {_metadataKeys.Length} metadata values, one for each key, but got {metadata.Length}.", nameof(metadata));
        }

        if (privateMetadata.Length != _privateMetadataKeys.Length)
        {
            throw new ArgumentException($"Expected {_privateMetadataKeys.Length} private metadata values, one for each key, but got {privateMetadata.Length}.", nameof(privateMetadata));
        }

        return recorder is TelemetryRecorder library
            ? library.Record(this, metadata, privateMetadata, interactionId, user)
            : recorder.Record(Feature, Action, Parameters(metadata, privateMetadata, interactionId, user));
    }

    /// <summary>The parameters <see cref="ITelemetryRecorder.Record"/> takes for the same event.</summary>
    private TelemetryEventParameters? Parameters(ReadOnlySpan<double?> metadata, ReadOnlySpan<object?> privateMetadata, string? interactionId, TelemetryEventUser? user)
    {
        if (metadata.IsEmpty && privateMetadata.IsEmpty && interactionId is null && user is null)
        {
            return _constantParameters;
        }

        Dictionary<string, double>? metadataDictionary = null;
        if (!metadata.IsEmpty)
        {
            metadataDictionary = new Dictionary<string, double>(metadata.Length);
            for (var i = 0; i < metadata.Length; i++)
            {
                if (metadata[i] is { } value)
                {
                    metadataDictionary[_metadataKeys[i]] = value;
                }
            }
        }

        Dictionary<string, object?>? privateDictionary = null;
        if (!privateMetadata.IsEmpty)
        {
            privateDictionary = new Dictionary<string, object?>(privateMetadata.Length);
            for (var i = 0; i < privateMetadata.Length; i++)
            {
                privateDictionary[_privateMetadataKeys[i]] = privateMetadata[i];
            }
        }

        return new TelemetryEventParameters
        {
            Version = Version,
            Billing = Billing,
            Metadata = metadataDictionary,
            PrivateMetadata = privateDictionary,
            User = user,
            InteractionId = interactionId,
        };
    }

    private static string[] CheckKeys(string[]? keys, string kind, string parameter)
    {
        if (keys is null || keys.Length == 0)
        {
            return [];
        }

        var seen = new HashSet<string>(keys.Length, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException($"{kind} keys must not be empty.", parameter);
            }

            if (!seen.Add(key))
            {
                throw new ArgumentException($"{kind} key '{key}' is given twice.", parameter);
            }
        }

        // A copy: the definition stays as checked whatever happens to the caller's array.
        return [.. keys];
    }
}
