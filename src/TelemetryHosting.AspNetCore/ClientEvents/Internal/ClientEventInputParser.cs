using System.Text.Json;
using TelemetryHosting.Shared;

namespace TelemetryHosting.AspNetCore.Internal;

/// <summary>
/// Reads one event in the shape of Sourcegraph's <c>TelemetryEventInput</c> and maps it as Sourcegraph does: the
/// metadata array to the metadata map (numbers only, the last of a repeated key wins), private metadata that is not an
/// object wrapped as <c>{ "value": ... }</c>, the source to the client, <c>parameters.interactionID</c> to the event's
/// own interaction id. The endpoint's own rules apply as to the compact shape.
/// </summary>
internal static class ClientEventInputParser
{
    public const string Shape =
        "a TelemetryEventInput has 'feature', 'action', 'source' { client, clientVersion }, 'parameters' { version, interactionID, metadata, privateMetadata, billingMetadata }, 'marketingTracking' and 'timestamp'.";

    /// <summary>The longest marketing tracking value kept (they are URLs and ids).</summary>
    public const int MaxMarketingTrackingLength = 2048;

    public static ClientEvent Parse(ref Utf8JsonReader reader, ReadOnlyMemory<byte> eventBytes, TelemetryClientEventsOptions options)
    {
        var result = new ClientEvent();
        ClientEventInputDocument document;
        try
        {
            document = JsonSerializer.Deserialize(ref reader, ClientEventJsonContext.Events.ClientEventInputDocument)!;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            result.Error = Describe(exception);
            return result;
        }

        result.Feature = document.Feature;
        result.Action = document.Action;
        result.Error = ReadSource(document.Source, result, options)
            ?? ReadParameters(document.Parameters, eventBytes, result, options)
            ?? ClientEventParser.ReadTimestamp(document.Timestamp, eventBytes, result, options)
            ?? ReadMarketingTracking(document.MarketingTracking, result, options);
        return result;
    }

    private static string? ReadSource(ClientEventInputSourceDocument? source, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (string.IsNullOrEmpty(source?.Client))
        {
            return "'source' must be an object { \"client\": \"web\", \"clientVersion\": \"1.2.3\" } with a client.";
        }

        return options.AcceptClient
            ? ClientEventParser.ReadClient(("source.client", source.Client), ("source.clientVersion", source.ClientVersion), result)
            : null;
    }

    private static string? ReadParameters(ClientEventInputParametersDocument? parameters, ReadOnlyMemory<byte> eventBytes, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (parameters?.Version is not { } version)
        {
            return "'parameters' must be an object with an integer 'version', for example { \"version\": 0 }.";
        }

        result.Version = version;
        if (!string.IsNullOrEmpty(parameters.InteractionId))
        {
            if (InteractionIdRule.Check(parameters.InteractionId) is not null)
            {
                return $"'parameters.interactionID' must be at most {InteractionIdRule.MaxLength} ASCII letters, digits and '-_.:'.";
            }

            result.InteractionId = parameters.InteractionId;
        }

        return ReadMetadata(parameters.Metadata, eventBytes, result, options)
            ?? ReadPrivateMetadata(parameters.PrivateMetadata, eventBytes, result, options)
            ?? ReadBilling(parameters.BillingMetadata, result);
    }

    private static string? ReadMetadata(ClientEventRawValue? raw, ReadOnlyMemory<byte> eventBytes, ClientEvent result, TelemetryClientEventsOptions options)
    {
        using var document = ClientEventRawValue.ParseUnlessNull(raw, eventBytes);
        if (document is null)
        {
            return null;
        }

        var metadata = document.RootElement;

        if (metadata.ValueKind != JsonValueKind.Array)
        {
            return "'parameters.metadata' must be an array of { \"key\": \"name\", \"value\": 1 }.";
        }

        // The scanner refused more entries than allowed before anything was built.
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var entry in metadata.EnumerateArray())
        {
            var error = ReadMetadataEntry(entry, values);
            if (error is not null)
            {
                return error;
            }
        }

        if (options.AcceptMetadata && values.Count > 0)
        {
            result.Metadata = values;
        }

        return null;
    }

    private static string? ReadMetadataEntry(JsonElement entry, Dictionary<string, double> values)
    {
        const string EntryShape = "'parameters.metadata' entries must be objects { \"key\": \"name\", \"value\": 1 }.";
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return EntryShape;
        }

        string? key = null;
        JsonElement? value = null;
        foreach (var property in entry.EnumerateObject())
        {
            if (!IsName(property, "key"u8) && !IsName(property, "value"u8))
            {
                return EntryShape;
            }

            if (IsName(property, "key"u8) && key is null)
            {
                if (property.Value.ValueKind != JsonValueKind.String || !ClientEventMetadataValidator.TryGetString(property.Value, out key))
                {
                    return "'parameters.metadata' keys must be valid Unicode text.";
                }
            }
            else if (IsName(property, "value"u8) && value is null)
            {
                value = property.Value;
            }
            else
            {
                return EntryShape;
            }
        }

        if (key is null || value is not { } number)
        {
            return EntryShape;
        }

        var keyError = ClientEventMetadataValidator.ValidateKey(key, "parameters.metadata");
        if (keyError is not null)
        {
            return keyError;
        }

        if (key == TelemetryClientEventsOptions.TimestampReplacedMetadataKey)
        {
            return $"metadata \"{key}\" is set by the server; clients may not send it.";
        }

        // Sourcegraph's own message for a value that is not a number.
        if (number.ValueKind != JsonValueKind.Number)
        {
            return $"metadata \"{ClientEventJsonErrors.Truncate(key)}\" has invalid value type {TypeName(number.ValueKind)}";
        }

        if (!number.TryGetDouble(out var parsed) || !double.IsFinite(parsed))
        {
            return $"metadata \"{ClientEventJsonErrors.Truncate(key)}\" must be a finite number.";
        }

        // A repeated key: the last one wins, as in Sourcegraph.
        values[key] = parsed;
        return null;
    }

    private static string? ReadPrivateMetadata(ClientEventRawValue? raw, ReadOnlyMemory<byte> eventBytes, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (!options.AcceptPrivateMetadata)
        {
            return null;
        }

        using var document = ClientEventRawValue.ParseUnlessNull(raw, eventBytes);
        if (document is null)
        {
            return null;
        }

        var privateMetadata = document.RootElement;

        var validator = new ClientEventPrivateMetadataValidator(options, "parameters.privateMetadata");
        if (privateMetadata.ValueKind == JsonValueKind.Object)
        {
            var error = validator.Validate(privateMetadata, out var values);
            result.PrivateMetadata = error is null && values.Count > 0 ? values : null;
            return error;
        }

        // Sourcegraph keeps a value that is not an object as { "value": ... }.
        var valueError = validator.ValidateValue(privateMetadata, out var value);
        result.PrivateMetadata = valueError is null ? new Dictionary<string, object?>(StringComparer.Ordinal) { ["value"] = value } : null;
        return valueError;
    }

    private static string? ReadBilling(ClientEventInputBillingDocument? billing, ClientEvent result)
    {
        if (billing is null)
        {
            return null;
        }

        if (string.IsNullOrEmpty(billing.Product) || string.IsNullOrEmpty(billing.Category))
        {
            return "'parameters.billingMetadata' must be an object { \"product\": \"...\", \"category\": \"...\" } with both.";
        }

        var error = ClientEventParser.CheckLength(("parameters.billingMetadata.product", billing.Product), ClientEventParser.MaxClientFieldLength)
            ?? ClientEventParser.CheckLength(("parameters.billingMetadata.category", billing.Category), ClientEventParser.MaxClientFieldLength);
        if (error is null)
        {
            result.Billing = new TelemetryBillingMetadata { Product = billing.Product, Category = billing.Category };
        }

        return error;
    }

    private static string? ReadMarketingTracking(ClientEventInputMarketingTrackingDocument? tracking, ClientEvent result, TelemetryClientEventsOptions options)
    {
        if (tracking is null || !options.AcceptMarketingTracking)
        {
            return null;
        }

        ReadOnlySpan<(string, string?)> fields =
        [
            ("marketingTracking.url", tracking.Url), ("marketingTracking.firstSourceURL", tracking.FirstSourceUrl),
            ("marketingTracking.cohortID", tracking.CohortId), ("marketingTracking.referrer", tracking.Referrer),
            ("marketingTracking.lastSourceURL", tracking.LastSourceUrl), ("marketingTracking.deviceSessionID", tracking.DeviceSessionId),
            ("marketingTracking.sessionReferrer", tracking.SessionReferrer), ("marketingTracking.sessionFirstURL", tracking.SessionFirstUrl),
        ];
        foreach (var field in fields)
        {
            if (ClientEventParser.CheckLength(field, MaxMarketingTrackingLength) is { } error)
            {
                return error;
            }
        }

        result.MarketingTracking = new TelemetryMarketingTracking
        {
            Url = tracking.Url,
            FirstSourceUrl = tracking.FirstSourceUrl,
            CohortId = tracking.CohortId,
            Referrer = tracking.Referrer,
            LastSourceUrl = tracking.LastSourceUrl,
            DeviceSessionId = tracking.DeviceSessionId,
            SessionReferrer = tracking.SessionReferrer,
            SessionFirstUrl = tracking.SessionFirstUrl,
        };
        return null;
    }

    /// <summary>Whether the property's name is <paramref name="name"/>; a name that does not decode (an escaped lone surrogate) is not.</summary>
    private static bool IsName(JsonProperty property, ReadOnlySpan<byte> name)
    {
        try
        {
            return property.NameEquals(name);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string TypeName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => "null",
    };

    private static string Describe(Exception exception)
    {
        var path = ClientEventJsonErrors.PathOf(exception);
        if (ClientEventJsonErrors.IsUnmapped(exception))
        {
            // The path ends with the unknown name.
            return $"Unknown property '{(path.Length == 0 ? ClientEventJsonErrors.UnmappedName(exception) ?? "(not valid text)" : path)}'; {Shape}";
        }

        if (ClientEventJsonErrors.IsDuplicate(exception))
        {
            return path.Length == 0 ? "A property appears more than once." : $"'{path}' appears more than once.";
        }

        if (ClientEventJsonErrors.IsInvalidText(exception))
        {
            return path.Length == 0 ? "An event has a property name that is not valid Unicode text." : $"'{path}' is not valid Unicode text.";
        }

        return path switch
        {
            "timestamp" => ClientEventJsonErrors.TimestampExpected,
            "source" or "parameters" or "parameters.billingMetadata" or "marketingTracking" => $"'{path}' must be an object; {Shape}",
            "parameters.version" => "'parameters.version' must be an integer.",
            "" => $"The event is not valid: {Shape}",
            _ => $"'{path}' must be a string.",
        };
    }
}
