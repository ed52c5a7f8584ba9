namespace TelemetryHosting.Generators;

/// <summary>What a parameter of a <c>[TelemetryEvent]</c> method becomes in the event.</summary>
internal enum ParameterRole
{
    Recorder,
    Metadata,
    PrivateMetadata,
    User,
    InteractionId,

    /// <summary>
    /// A parameter that cannot be metadata (TH0002, which fails the build: reported by TelemetryEventAnalyzer when
    /// analyzers run, by the generator otherwise): the body is
    /// written without it, so that the build shows TH0002 rather than CS8795 beside it. Where TH0002 is suppressed the
    /// parameter is not recorded.
    /// </summary>
    NotRecorded,
}

/// <summary>How a metadata parameter converts to the <see cref="double"/> the gateway takes.</summary>
internal enum MetadataConversion
{
    None,
    Implicit,
    Explicit,
    Boolean,
    Milliseconds,
}

/// <summary>A parameter as the emitter needs it: its declaration, and where its value goes.</summary>
internal sealed record EventParameter(
    string Name,
    string Type,
    bool IsParams,
    bool IsScoped,
    ParameterRole Role,
    string? Key,
    MetadataConversion Conversion,
    bool IsNullableValue);

/// <summary>
/// A type that contains the method, outermost first: its name as a partial declaration repeats it, with its type
/// parameters and their variance (<c>IEvents&lt;out T&gt;</c>).
/// </summary>
internal sealed record ContainingType(string Keyword, string Declaration);

/// <summary>A <c>[TelemetryEvent]</c> method whose body can be generated.</summary>
internal sealed record EventMethod(
    string? Namespace,
    string TypeKey,
    EquatableArray<ContainingType> ContainingTypes,
    string SortKey,
    string Modifiers,
    bool ReturnsBool,
    string Name,
    bool IsExtensionMethod,
    bool InStruct,
    string Recorder,
    bool RecorderMayBeNull,
    EquatableArray<EventParameter> Parameters,
    string Feature,
    string Action,
    int Version,
    string? BillingProduct,
    string? BillingCategory,
    string DisplayName,
    LocationInfo Location)
{
    /// <summary>The event's keys, for comparing the shapes of two declarations of one event.</summary>
    public string Keys =>
        $"metadata: {Join(ParameterRole.Metadata)}; private metadata: {Join(ParameterRole.PrivateMetadata)}";

    private string Join(ParameterRole role)
    {
        var keys = Parameters.Where(parameter => parameter.Role == role).Select(parameter => parameter.Key!).OrderBy(key => key, StringComparer.Ordinal).ToList();
        return keys.Count == 0 ? "none" : string.Join(", ", keys);
    }
}

/// <summary>A source location without its syntax tree.</summary>
internal sealed record LocationInfo(string FilePath, Microsoft.CodeAnalysis.Text.TextSpan Span, Microsoft.CodeAnalysis.Text.LinePositionSpan LineSpan)
{
    public static LocationInfo From(Microsoft.CodeAnalysis.Location location) =>
        new(location.SourceTree?.FilePath ?? string.Empty, location.SourceSpan, location.GetLineSpan().Span);
}
