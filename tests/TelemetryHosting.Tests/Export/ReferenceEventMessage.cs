using Google.Protobuf.WellKnownTypes;
using Telemetrygateway.V1;
using TelemetryHosting.Recording.Internal;

namespace TelemetryHosting.Tests.Export;

/// <summary>
/// The gateway's <c>Event</c> built the plain way, through the generated message: the reference the library's direct
/// encoder (<see cref="TelemetryHosting.Export.Internal.EventEncoder"/>) must match byte for byte. Optional parts are left
/// unset when empty, never sent as empty strings, as the reference recorder does.
/// </summary>
internal static class ReferenceEventMessage
{
    public static Event Build(PendingEvent pending, string serviceVersion)
    {
        var message = new Event
        {
            Id = pending.Id.ToString("D"),
            Timestamp = Timestamp.FromDateTimeOffset(pending.Timestamp),
            Feature = pending.Feature,
            Action = pending.Action,
            Source = new EventSource { Server = new EventSource.Types.Server { Version = serviceVersion } },
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

        if (BuildMarketingTracking(pending.MarketingTracking) is { } tracking)
        {
            message.MarketingTracking = tracking;
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

    private static EventMarketingTracking? BuildMarketingTracking(TelemetryMarketingTracking? tracking)
    {
        if (tracking is null)
        {
            return null;
        }

        var message = new EventMarketingTracking();
        if (!string.IsNullOrEmpty(tracking.Url))
        {
            message.Url = tracking.Url;
        }

        if (!string.IsNullOrEmpty(tracking.FirstSourceUrl))
        {
            message.FirstSourceUrl = tracking.FirstSourceUrl;
        }

        if (!string.IsNullOrEmpty(tracking.CohortId))
        {
            message.CohortId = tracking.CohortId;
        }

        if (!string.IsNullOrEmpty(tracking.Referrer))
        {
            message.Referrer = tracking.Referrer;
        }

        if (!string.IsNullOrEmpty(tracking.LastSourceUrl))
        {
            message.LastSourceUrl = tracking.LastSourceUrl;
        }

        if (!string.IsNullOrEmpty(tracking.DeviceSessionId))
        {
            message.DeviceSessionId = tracking.DeviceSessionId;
        }

        if (!string.IsNullOrEmpty(tracking.SessionReferrer))
        {
            message.SessionReferrer = tracking.SessionReferrer;
        }

        if (!string.IsNullOrEmpty(tracking.SessionFirstUrl))
        {
            message.SessionFirstUrl = tracking.SessionFirstUrl;
        }

        // Left out when nothing is set, as the user is.
        return message.HasUrl || message.HasFirstSourceUrl || message.HasCohortId || message.HasReferrer || message.HasLastSourceUrl
            || message.HasDeviceSessionId || message.HasSessionReferrer || message.HasSessionFirstUrl ? message : null;
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
