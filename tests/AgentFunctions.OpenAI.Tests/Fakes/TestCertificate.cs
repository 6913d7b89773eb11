using System.ClientModel.Primitives;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AgentFunctions.OpenAI.Tests.Fakes;

/// <summary>
/// A self-signed certificate for 127.0.0.1, for the fake server's https endpoint (bearer tokens are
/// only sent over TLS), and a client transport that trusts exactly that certificate.
/// </summary>
internal sealed class TestCertificate : IDisposable
{
    private readonly HttpClient _httpClient;

    public TestCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));

        // Reloaded from PKCS#12 so that the private key is usable by the TLS stack.
        Certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
        var thumbprint = Certificate.Thumbprint;
        _httpClient = new HttpClient(new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate?.Thumbprint == thumbprint,
        });
        Transport = new HttpClientPipelineTransport(_httpClient);
    }

    public X509Certificate2 Certificate { get; }

    public PipelineTransport Transport { get; }

    public void Dispose()
    {
        _httpClient.Dispose();
        Certificate.Dispose();
    }
}
