using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using TelemetryHosting.Shared;

namespace TelemetryHosting.Generators;

/// <summary>Reads a <c>[TelemetryEvent]</c> method into the model the emitter writes, and finds what is wrong with it.</summary>
internal static class TelemetryEventParser
{
    public const string TelemetryEventAttribute = "TelemetryHosting.TelemetryEventAttribute";
    private const string RecorderInterface = "TelemetryHosting.ITelemetryRecorder";
    private const string UserType = "TelemetryHosting.TelemetryEventUser";
    private const string PrivateMetadataAttribute = "TelemetryHosting.PrivateMetadataAttribute";
    private const string MetadataAttribute = "TelemetryHosting.MetadataAttribute";
    private const string InteractionIdAttribute = "TelemetryHosting.InteractionIdAttribute";

    // The method's type with the types around it and every type's parameters ('Jobs.Nightly<T>'), for messages and the catalogue.
    private static readonly SymbolDisplayFormat DisplayFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypes,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters);

    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        var method = (IMethodSymbol)context.TargetSymbol;
        var syntax = (MethodDeclarationSyntax)context.TargetNode;
        var compilation = context.SemanticModel.Compilation;
        var attribute = context.Attributes[0];
        var location = syntax.Identifier.GetLocation();

        var recorderType = compilation.GetTypeByMetadataName(RecorderInterface);
        if (recorderType is null)
        {
            return new ParseResult(null, EquatableArray<DiagnosticInfo>.Empty);
        }

        // Where no body can be generated whatever the method is like: said plainly, without the misleading diagnostics of
        // the checks below (a 'file' type or an extension block has no name a generated partial declaration could repeat).
        if (Unsupported(method, syntax) is { } unsupported)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedMethod, location, method.Name, unsupported));
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutable()));
        }

        // The generated body uses collection expressions: before C# 12 it would fail to compile inside the generated file
        // (CS9058), naming no setting to change.
        if (syntax.SyntaxTree.Options is CSharpParseOptions { LanguageVersion: var languageVersion } && languageVersion < LanguageVersion.CSharp12)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LanguageVersionTooLow, location, method.Name, languageVersion.ToDisplayString()));
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutable()));
        }

        // What prevents generating a body at all. A definition the runtime refuses (TH0001, TH0007) is never written: its
        // constructor would throw in the type's static initialiser and break every event of the type, even where the
        // TH error is suppressed. The method is left without a body instead, so CS8795 fails the build beside it.
        var (feature, action, version, billingProduct, billingCategory) = ReadAttribute(attribute);
        var canEmit = CheckNames(feature, action, attribute, location, diagnostics, cancellationToken);
        if ((billingProduct is null) != (billingCategory is null) || billingProduct?.Length == 0 || billingCategory?.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidBilling, AttributeLocation(attribute, cancellationToken) ?? location, method.Name));
            canEmit = false;
        }

        if (!syntax.Modifiers.Any(SyntaxKind.PartialKeyword) || syntax.Body is not null || syntax.ExpressionBody is not null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodMustBePartial, location, method.Name, "must be declared 'partial' and without a body: the generator writes the body"));
            canEmit = false;
        }
        else if (syntax.Ancestors().OfType<TypeDeclarationSyntax>().FirstOrDefault(type => !type.Modifiers.Any(SyntaxKind.PartialKeyword)) is { } notPartial)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MethodMustBePartial, location, method.Name, $"must be in a partial type: declare '{notPartial.Identifier.ValueText}' 'partial'"));
            canEmit = false;
        }

        if (method.ReturnType.SpecialType is not (SpecialType.System_Void or SpecialType.System_Boolean))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedMethod, syntax.ReturnType.GetLocation(), method.Name, "must return 'void' or 'bool' (what ITelemetryRecorder.Record returned)"));
            canEmit = false;
        }

        if (method.IsGenericMethod)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedMethod, location, method.Name, "must not be generic"));
            canEmit = false;
        }

        if (method.IsAbstract)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedMethod, location, method.Name, "must not be abstract"));
            canEmit = false;
        }

        var recorder = FindRecorder(method, recorderType, location, diagnostics, cancellationToken);
        canEmit &= recorder is not null;

        var parameters = ReadParameters(method, recorderType, compilation, diagnostics, ref canEmit);

        if (!canEmit || recorder is null)
        {
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutable()));
        }

        var containingTypes = ImmutableArray.CreateBuilder<ContainingType>();
        for (var type = method.ContainingType; type is not null; type = type.ContainingType)
        {
            containingTypes.Insert(0, new ContainingType(Keyword(type), Declaration(type)));
        }

        var model = new EventMethod(
            method.ContainingNamespace.IsGlobalNamespace ? null : method.ContainingNamespace.ToDisplayString(),
            method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat),
            new EquatableArray<ContainingType>(containingTypes.ToImmutable()),
            $"{syntax.SyntaxTree.FilePath}:{syntax.SpanStart:D10}",
            string.Join(" ", syntax.Modifiers.Select(modifier => modifier.Text)),
            method.ReturnType.SpecialType == SpecialType.System_Boolean,
            Escape(method.Name),
            method.IsExtensionMethod,
            method.ContainingType.TypeKind == TypeKind.Struct,
            recorder.Value.Expression,
            recorder.Value.MayBeNull,
            new EquatableArray<EventParameter>(parameters),
            feature ?? string.Empty,
            action ?? string.Empty,
            version,
            billingProduct,
            billingCategory,
            $"{method.ContainingType.ToDisplayString(DisplayFormat)}.{method.Name}",
            LocationInfo.From(location));
        return new ParseResult(model, new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutable()));
    }

    /// <summary>Why no body can be generated for a method in this kind of type, or <see langword="null"/>.</summary>
    private static string? Unsupported(IMethodSymbol method, MethodDeclarationSyntax syntax)
    {
        // A C# 14 extension block ('extension(ITelemetryRecorder recorder) { ... }'): a type without a name.
        if (method.ContainingType.Name.Length == 0
            || syntax.Ancestors().OfType<TypeDeclarationSyntax>().Any(type => type.Identifier.ValueText.Length == 0))
        {
            return "must not be in an extension block ('extension(...)'): declare it in a static partial class as a static method with a 'this ITelemetryRecorder recorder' first parameter";
        }

        foreach (var type in syntax.Ancestors().OfType<TypeDeclarationSyntax>())
        {
            if (type.Modifiers.Any(SyntaxKind.FileKeyword))
            {
                return $"must not be in a file-local type ('file' type '{type.Identifier.ValueText}'): its body is generated in another file, where the type cannot be declared; drop 'file'";
            }
        }

        return null;
    }

    /// <summary>Converts a parameter name to its camelCase key: the first letter in lower case.</summary>
    public static string CamelCase(string name) =>
        name.Length == 0 || !char.IsUpper(name[0]) ? name : char.ToLowerInvariant(name[0]) + name.Substring(1);

    private static (string? Feature, string? Action, int Version, string? BillingProduct, string? BillingCategory) ReadAttribute(AttributeData attribute)
    {
        var arguments = attribute.ConstructorArguments;
        var feature = arguments.Length > 0 ? arguments[0].Value as string : null;
        var action = arguments.Length > 1 ? arguments[1].Value as string : null;
        var version = 0;
        string? billingProduct = null;
        string? billingCategory = null;
        foreach (var named in attribute.NamedArguments)
        {
            switch (named.Key)
            {
                case "Version" when named.Value.Value is int value:
                    version = value;
                    break;
                case "BillingProduct":
                    billingProduct = named.Value.Value as string;
                    break;
                case "BillingCategory":
                    billingCategory = named.Value.Value as string;
                    break;
            }
        }

        return (feature, action, version, billingProduct, billingCategory);
    }

    /// <summary>Reports TH0001 for a name the gateway would refuse; whether the names are valid.</summary>
    private static bool CheckNames(string? feature, string? action, AttributeData attribute, Location fallback, ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        var error = EventNameValidator.Validate(feature, action);
        if (error is null)
        {
            return true;
        }

        // The diagnostic points at the argument the gateway's message names.
        var isFeature = string.IsNullOrEmpty(feature)
            || error is EventNameValidator.FeatureTooLongMessage or EventNameValidator.FeaturePatternMessage;
        var argumentIndex = isFeature ? 0 : 1;
        var location = fallback;
        if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } list } && list.Arguments.Count > argumentIndex)
        {
            location = list.Arguments[argumentIndex].GetLocation();
        }

        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidEventName, location, error, (isFeature ? feature : action) ?? string.Empty));
        return false;
    }

    private static Location? AttributeLocation(AttributeData attribute, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation();

    /// <summary>
    /// The expression the body records through: the extension's receiver, or the type's recorder field; and whether it
    /// is declared nullable (<c>ITelemetryRecorder?</c>).
    /// </summary>
    private static (string Expression, bool MayBeNull)? FindRecorder(IMethodSymbol method, INamedTypeSymbol recorderType, Location location, ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        if (method.IsStatic)
        {
            if (method.Parameters.Length > 0 && IsRecorder(method.Parameters[0].Type, recorderType))
            {
                return (Escape(method.Parameters[0].Name), MayBeNull(method.Parameters[0].NullableAnnotation));
            }

            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoRecorder, location, method.Name, "the first parameter of a static method must be an ITelemetryRecorder (for example 'this ITelemetryRecorder recorder')"));
            return null;
        }

        var fields = method.ContainingType.GetMembers().OfType<IFieldSymbol>()
            .Where(field => !field.IsImplicitlyDeclared && IsRecorder(field.Type, recorderType))
            .ToList();
        if (fields.Count == 1)
        {
            return (fields[0].IsStatic ? Escape(fields[0].Name) : "this." + Escape(fields[0].Name), MayBeNull(fields[0].NullableAnnotation));
        }

        if (fields.Count > 1)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoRecorder, location, method.Name, $"'{method.ContainingType.Name}' has more than one ITelemetryRecorder field ({string.Join(", ", fields.Select(field => field.Name))}): keep one"));
            return null;
        }

        // A primary constructor parameter, as in 'class SearchController(ITelemetryRecorder telemetry)'.
        var primary = method.ContainingType.InstanceConstructors
            .Where(constructor => constructor.DeclaringSyntaxReferences.Any(reference => reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax))
            .SelectMany(constructor => constructor.Parameters)
            .Where(parameter => IsRecorder(parameter.Type, recorderType))
            .ToList();
        if (primary.Count == 1)
        {
            return (Escape(primary[0].Name), MayBeNull(primary[0].NullableAnnotation));
        }

        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoRecorder, location, method.Name, primary.Count > 1
            ? $"'{method.ContainingType.Name}' has more than one ITelemetryRecorder primary constructor parameter: keep one"
            : $"'{method.ContainingType.Name}' must have one ITelemetryRecorder field or primary constructor parameter, or the method must be static with an ITelemetryRecorder first parameter"));
        return null;
    }

    /// <summary>
    /// Reads the parameters of a method into their roles, reporting what cannot be recorded. TelemetryEventAnalyzer calls
    /// it too, for TH0002 when analyzers run (the same rules, so the analyzer and the generator never disagree).
    /// </summary>
    public static ImmutableArray<EventParameter> ReadParameters(IMethodSymbol method, INamedTypeSymbol recorderType, Compilation compilation, ImmutableArray<DiagnosticInfo>.Builder diagnostics, ref bool canEmit)
    {
        var timeSpan = compilation.GetTypeByMetadataName("System.TimeSpan");
        var user = compilation.GetTypeByMetadataName(UserType);
        var parameters = ImmutableArray.CreateBuilder<EventParameter>(method.Parameters.Length);
        var metadataKeys = new HashSet<string>(StringComparer.Ordinal);
        var privateKeys = new HashSet<string>(StringComparer.Ordinal);
        var hasUser = false;
        var hasInteractionId = false;

        for (var i = 0; i < method.Parameters.Length; i++)
        {
            var parameter = method.Parameters[i];
            var location = parameter.Locations.FirstOrDefault();
            var type = parameter.Type.ToDisplayString(TypeFormat);
            var name = Escape(parameter.Name);

            if (parameter.RefKind != RefKind.None)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedMethod, location, method.Name, $"must not have a 'ref', 'out', 'in' or 'ref readonly' parameter ('{parameter.Name}')"));
                canEmit = false;
                continue;
            }

            if (i == 0 && method.IsStatic && IsRecorder(parameter.Type, recorderType))
            {
                parameters.Add(new EventParameter(name, type, parameter.IsParams, IsScoped(parameter), ParameterRole.Recorder, null, MetadataConversion.None, false));
                continue;
            }

            var isPrivate = HasAttribute(parameter, PrivateMetadataAttribute, out var privateAttribute);
            var isInteractionId = HasAttribute(parameter, InteractionIdAttribute, out _)
                || (parameter.Name == "interactionId" && parameter.Type.SpecialType == SpecialType.System_String && !isPrivate);

            if (isInteractionId)
            {
                if (parameter.Type.SpecialType != SpecialType.System_String)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSpecialParameter, location, $"Parameter '{parameter.Name}' is marked [InteractionId] and must be a string"));
                }
                else if (hasInteractionId)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSpecialParameter, location, $"Method '{method.Name}' has more than one interaction id parameter"));
                }
                else
                {
                    hasInteractionId = true;
                    parameters.Add(new EventParameter(name, type, parameter.IsParams, IsScoped(parameter), ParameterRole.InteractionId, null, MetadataConversion.None, false));
                    continue;
                }

                canEmit = false;
                continue;
            }

            if (!isPrivate && user is not null && SymbolEqualityComparer.Default.Equals(parameter.Type, user))
            {
                if (hasUser)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidSpecialParameter, location, $"Method '{method.Name}' has more than one TelemetryEventUser parameter"));
                    canEmit = false;
                    continue;
                }

                hasUser = true;
                parameters.Add(new EventParameter(name, type, parameter.IsParams, IsScoped(parameter), ParameterRole.User, null, MetadataConversion.None, false));
                continue;
            }

            if (isPrivate && !CanBePrivateMetadata(parameter.Type))
            {
                // What the recorder's private metadata converter takes; anything else would throw when the event is recorded.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedPrivateMetadata, location, parameter.Name, parameter.Type.ToDisplayString()));
                canEmit = false;
                continue;
            }

            if (isPrivate)
            {
                var key = privateAttribute!.NamedArguments.FirstOrDefault(named => named.Key == "Key").Value.Value as string
                    ?? CamelCase(parameter.Name);
                if (!CheckKey(key, privateKeys, "private metadata", parameter, location, diagnostics))
                {
                    canEmit = false;
                    continue;
                }

                parameters.Add(new EventParameter(name, type, parameter.IsParams, IsScoped(parameter), ParameterRole.PrivateMetadata, key, MetadataConversion.None, false));
                continue;
            }

            var valueType = parameter.Type;
            var isNullable = false;
            if (valueType is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            {
                valueType = nullable.TypeArguments[0];
                isNullable = true;
            }

            var conversion = Conversion(valueType, timeSpan);
            if (conversion == MetadataConversion.None)
            {
                // TH0002, reported by TelemetryEventAnalyzer when analyzers run and by the generator otherwise (it fails
                // the build whatever the analyzer settings). The body is still written, without this parameter, so that
                // the build shows TH0002 alone (no CS8795); where TH0002 is suppressed, the parameter is not recorded.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ParameterCannotBeMetadata, location, parameter.Name, parameter.Type.ToDisplayString()));
                parameters.Add(new EventParameter(name, type, parameter.IsParams, IsScoped(parameter), ParameterRole.NotRecorded, null, MetadataConversion.None, false));
                continue;
            }

            var metadataKey = HasAttribute(parameter, MetadataAttribute, out var metadataAttribute)
                && metadataAttribute!.ConstructorArguments.Length == 1
                ? metadataAttribute.ConstructorArguments[0].Value as string ?? string.Empty
                : CamelCase(parameter.Name);
            if (!CheckKey(metadataKey, metadataKeys, "metadata", parameter, location, diagnostics))
            {
                canEmit = false;
                continue;
            }

            parameters.Add(new EventParameter(name, type, parameter.IsParams, IsScoped(parameter), ParameterRole.Metadata, metadataKey, conversion, isNullable));
        }

        return parameters.ToImmutable();
    }

    /// <summary>
    /// Whether the parameter is declared 'scoped', which the implementation must repeat (CS8988); a 'params' span is
    /// scoped implicitly, in both parts.
    /// </summary>
    private static bool IsScoped(IParameterSymbol parameter) => !parameter.IsParams && parameter.ScopedKind == ScopedKind.ScopedValue;

    private static bool CheckKey(string key, HashSet<string> keys, string kind, IParameterSymbol parameter, Location? location, ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        if (key.Length == 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidKey, location, $"Parameter '{parameter.Name}' has an empty {kind} key"));
            return false;
        }

        if (!keys.Add(key))
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidKey, location, $"The {kind} key '{key}' of parameter '{parameter.Name}' is recorded by another parameter too"));
            return false;
        }

        return true;
    }

    private static MetadataConversion Conversion(ITypeSymbol type, INamedTypeSymbol? timeSpan) => type.SpecialType switch
    {
        SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
            or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64
            or SpecialType.System_Single or SpecialType.System_Double => MetadataConversion.Implicit,
        SpecialType.System_Decimal => MetadataConversion.Explicit,
        SpecialType.System_Boolean => MetadataConversion.Boolean,
        _ when timeSpan is not null && SymbolEqualityComparer.Default.Equals(type, timeSpan) => MetadataConversion.Milliseconds,
        _ => MetadataConversion.None,
    };

    private static bool MayBeNull(NullableAnnotation annotation) => annotation == NullableAnnotation.Annotated;

    private static bool IsRecorder(ITypeSymbol type, INamedTypeSymbol recorderType) =>
        SymbolEqualityComparer.Default.Equals(type, recorderType)
        || type.AllInterfaces.Any(implemented => SymbolEqualityComparer.Default.Equals(implemented, recorderType));

    private static bool HasAttribute(IParameterSymbol parameter, string metadataName, out AttributeData? found)
    {
        found = parameter.GetAttributes().FirstOrDefault(attribute => attribute.AttributeClass?.ToDisplayString() == metadataName);
        return found is not null;
    }

    private static string Keyword(INamedTypeSymbol type) => type.TypeKind switch
    {
        TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
        TypeKind.Interface => "interface",
        _ => type.IsRecord ? "record" : "class",
    };

    /// <summary>The type's name as its partial declaration gives it: type parameters with their variance (constraints may be left out).</summary>
    private static string Declaration(INamedTypeSymbol type) =>
        type.TypeParameters.Length == 0 ? Escape(type.Name) : $"{Escape(type.Name)}<{string.Join(", ", type.TypeParameters.Select(parameter => Variance(parameter) + Escape(parameter.Name)))}>";

    private static string Variance(ITypeParameterSymbol parameter) => parameter.Variance switch
    {
        VarianceKind.In => "in ",
        VarianceKind.Out => "out ",
        _ => string.Empty,
    };

    private static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) == SyntaxKind.None ? identifier : "@" + identifier;

    /// <summary>Whether the recorder's private metadata converter takes values of <paramref name="type"/>.</summary>
    private static bool CanBePrivateMetadata(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
        {
            type = nullable.TypeArguments[0];
        }

        switch (type.SpecialType)
        {
            case SpecialType.System_Object or SpecialType.System_String or SpecialType.System_Boolean or SpecialType.System_Double
                or SpecialType.System_Single or SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Int16
                or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_UInt16 or SpecialType.System_UInt32
                or SpecialType.System_UInt64 or SpecialType.System_Decimal or SpecialType.System_DateTime:
                return true;
        }

        if (type.TypeKind == TypeKind.Enum || type.ToDisplayString() is "System.Guid" or "System.DateTimeOffset")
        {
            return true;
        }

        // Dictionaries and lists (their items are checked when the event is recorded).
        return type.TypeKind == TypeKind.Array || type.AllInterfaces.Any(i => i.ToDisplayString() == "System.Collections.IEnumerable");
    }
}
