using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Telemetrygateway.V1;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Export.Internal;

/// <summary>
/// Builds the gateway's wire messages. Optional parts are left unset when empty, never sent as empty strings,
/// as the reference recorder does.
/// </summary>
internal sealed class EventMessageBuilder
{
    private readonly string _serviceVersion;

    public EventMessageBuilder(IOptions<TelemetryGatewayOptions> options)
    {
        var value = options.Value;
        _serviceVersion = value.ServiceVersion ?? string.Empty;
        Identifier = new Identifier
        {
            ManagedService = new Identifier.Types.ManagedServiceIdentifier { ServiceId = value.ServiceId },
        };
        if (!string.IsNullOrEmpty(value.ServiceEnvironment))
        {
            Identifier.ManagedService.ServiceEnvironment = value.ServiceEnvironment;
        }
    }

    /// <summary>Gets the version sent as every event's <c>source.server.version</c>.</summary>
    public string ServiceVersion => _serviceVersion;

    /// <summary>Gets the identifier sent in every stream's metadata.</summary>
    public Identifier Identifier { get; }

    public Event Build(PendingEvent pending)
    {
        var message = new Event
        {
            Id = pending.Id.ToString("D"),
            Timestamp = Timestamp.FromDateTimeOffset(pending.Timestamp),
            Feature = pending.Feature,
            Action = pending.Action,
            Source = new EventSource { Server = new EventSource.Types.Server { Version = _serviceVersion } },
            Parameters = new EventParameters { Version = pending.Version },
        };

        if (pending.Metadata is { } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                message.Parameters.Metadata[key] = value;
            }
        }

        if (pending.PrivateMetadata is { } privateMetadata)
        {
            message.Parameters.PrivateMetadata = privateMetadata;
        }

        if (pending.Billing is { } billing)
        {
            message.Parameters.BillingMetadata = new EventBillingMetadata { Product = billing.Product, Category = billing.Category };
        }

        if (pending.Client is { Name.Length: > 0 } client)
        {
            message.Source.Client = new EventSource.Types.Client { Name = client.Name };
            if (!string.IsNullOrEmpty(client.Version))
            {
                message.Source.Client.Version = client.Version;
            }
        }

        if (BuildUser(pending.User) is { } user)
        {
            message.User = user;
        }

        if (pending.FeatureFlags is { } flags)
        {
            message.FeatureFlags = new EventFeatureFlags();
            foreach (var (name, enabled) in flags)
            {
                message.FeatureFlags.Flags[name] = enabled ? "true" : "false";
            }
        }

        var hasTrace = pending.TraceId != default;
        if (hasTrace || !string.IsNullOrEmpty(pending.InteractionId))
        {
            message.Interaction = new EventInteraction();
            if (hasTrace)
            {
                message.Interaction.TraceId = pending.TraceId.ToHexString();
            }

            if (!string.IsNullOrEmpty(pending.InteractionId))
            {
                message.Interaction.InteractionId = pending.InteractionId;
            }
        }

        return message;
    }

    private static EventUser? BuildUser(TelemetryEventUser? user)
    {
        if (user is null)
        {
            return null;
        }

        var message = new EventUser();
        if (user.UserId is { } id)
        {
            message.UserId = id;
        }

        if (!string.IsNullOrEmpty(user.AnonymousUserId))
        {
            message.AnonymousUserId = user.AnonymousUserId;
        }

        if (!string.IsNullOrEmpty(user.SamsExternalId))
        {
            message.SamsExternalId = user.SamsExternalId;
        }

        return message.HasUserId || message.HasAnonymousUserId || message.HasSamsExternalId ? message : null;
    }
}
