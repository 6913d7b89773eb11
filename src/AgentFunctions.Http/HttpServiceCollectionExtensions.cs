using AgentFunctions.Http.Identity;
using AgentFunctions.Http.Invocation;
using AgentFunctions.Http.Problems;
using AgentFunctions.Http.Tracing;
using Microsoft.AspNetCore.Authentication;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AgentFunctions.Http;

/// <summary>The <c>Http</c> section: limits, response budgets, compression and CORS.</summary>
public sealed class HttpApiOptions
{
    public const string SectionName = "Http";

    /// <summary>The largest request body, in bytes (413 above it).</summary>
    public long MaxRequestBodyBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// The most bytes one page of history or of a thread search should take; null (the default) for no limit.
    /// Past it the page ends early, with the cursor (or next offset) to continue from; a page always holds at
    /// least one item, however large. Finding where a page ends reads its items twice, so set it only where
    /// a page must stay small.
    /// </summary>
    public long? PageByteBudget { get; set; }

    /// <summary>Origins allowed to call the API from a browser; empty for none, "*" for any.</summary>
    public List<string> CorsOrigins { get; set; } = [];

    /// <summary>
    /// Whether JSON and NDJSON responses are compressed (Brotli or gzip, as the request's <c>Accept-Encoding</c>
    /// allows): a history page repeats the state in every item, and compresses about 20 to 1. Event streams are never
    /// compressed, so that every event still reaches the client when it is produced.
    /// </summary>
    public bool ResponseCompression { get; set; } = true;

    /// <summary>A comment line is sent on an idle event stream this often.</summary>
    public TimeSpan SseHeartbeat { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Checks the <c>Http</c> section when the host starts; each failure names its setting.</summary>
internal sealed class HttpApiOptionsValidation : IValidateOptions<HttpApiOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpApiOptions options)
    {
        const string section = HttpApiOptions.SectionName;
        var errors = new List<string>();
        if (options.MaxRequestBodyBytes < 1)
        {
            errors.Add($"{section}:MaxRequestBodyBytes must be a number of bytes greater than 0, not {options.MaxRequestBodyBytes}.");
        }

        if (options.PageByteBudget is <= 0)
        {
            errors.Add($"{section}:PageByteBudget is a number of bytes greater than 0 (or unset, for no limit), not {options.PageByteBudget}.");
        }

        if (options.SseHeartbeat <= TimeSpan.Zero)
        {
            errors.Add($"{section}:SseHeartbeat must be a positive duration (such as 00:00:15), not {options.SseHeartbeat}.");
        }

        foreach (var origin in options.CorsOrigins)
        {
            if (origin != "*" && (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
            {
                errors.Add($"{section}:CorsOrigins has '{origin}': an origin is \"*\" or an http or https address such as https://app.example.com.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public static class HttpServiceCollectionExtensions
{
    /// <summary>The HTTP API's services: caller identity, problem details for every error, options, OpenAPI, CORS.</summary>
    public static IServiceCollection AddAgentFunctionsHttp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var auth = configuration.GetSection(AuthOptions.SectionName);
        services.AddOptions<AuthOptions>().Bind(auth).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidation>();
        if (auth.GetValue<AuthMode>(nameof(AuthOptions.Mode)) == AuthMode.Jwt)
        {
            services.AddBearerAuthentication(auth.GetSection(JwtAuthOptions.SectionName));
        }

        services.AddOptions<HttpApiOptions>().Bind(configuration.GetSection(HttpApiOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpApiOptions>, HttpApiOptionsValidation>());
        services.AddSingleton<CallerIdentity>();
        services.AddProblemDetails();
        // One instance serves the server's exception handler middleware and the Functions entry point (ApiInvocation).
        services.AddSingleton<ApiExceptionHandler>();
        services.AddSingleton<IExceptionHandler>(sp => sp.GetRequiredService<ApiExceptionHandler>());
        services.AddOpenApi();
        services.AddCors();
        services.AddResponseCompression(options =>
        {
            options.EnableForHttps = true; // The API's bodies hold no secrets mixed with attacker-chosen text (BREACH).
            // gzip first: where a client accepts both equally (browsers, fetch), gzip at its fastest takes a history page
            // to about 3% in about the uncompressed time; Brotli, for clients that prefer it, to far less but at twice the time.
            options.Providers.Add<GzipCompressionProvider>();
            options.Providers.Add<BrotliCompressionProvider>();
            options.MimeTypes = ["application/json", "application/problem+json", "application/x-ndjson"];
        });
        // Brotli at its fastest (quality 1) only reaches 5% on history pages; at "optimal" (quality 4) it finds the states they repeat.
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<FormOptions>(_ => { });
        return services;
    }

    /// <summary>
    /// The API's middleware: each request's trace (first, so that it spans everything after it, failures included),
    /// problem details for failures, bearer authentication in Jwt mode, CORS as configured, and the body size limit.
    /// </summary>
    public static WebApplication UseAgentFunctionsHttp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<HttpApiOptions>>().Value;
        app.UseMiddleware<InvocationTracingMiddleware>();
        if (options.ResponseCompression)
        {
            // Inside the trace, so that the body it measures is the one on the wire.
            app.UseResponseCompression();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        if (app.Services.GetService<IAuthenticationSchemeProvider>() is not null)
        {
            // Auth:Mode Jwt: where the server would otherwise add it, before this pipeline, outside its trace and
            // problem details. The API's own check (CallerAuthentication) reuses the handler's result.
            app.UseAuthentication();
        }

        if (options.CorsOrigins.Count > 0)
        {
            app.UseCors(policy =>
            {
                policy = options.CorsOrigins.Contains("*") ? policy.AllowAnyOrigin() : policy.WithOrigins([.. options.CorsOrigins]);
                policy.AllowAnyHeader().AllowAnyMethod().WithExposedHeaders("Content-Location", "Location", "Link", "X-Next-Cursor");
            });
        }

        app.Use(async (context, next) =>
        {
            RequestLimits.Apply(context, options);
            await next(context).ConfigureAwait(false);
        });
        return app;
    }
}
