using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MySqlHa.Coordination.Tls;

/// <summary>
/// A CA trusted for one kind of connection only (etcd, the agents), not added to the system's trust store: a server
/// is trusted when its chain leads to this CA and its certificate names the host that was dialled.
/// </summary>
public sealed class CertificateAuthority(X509Certificate2 root)
{
    public static CertificateAuthority FromPemFile(string path) => new(X509Certificate2.CreateFromPem(File.ReadAllText(path)));

    /// <summary>An HTTP handler whose TLS connections trust this CA alone.</summary>
    public SocketsHttpHandler Handler()
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) => Verifies(presented, errors);
        return handler;
    }

    private bool Verifies(X509Certificate? presented, SslPolicyErrors errors)
    {
        // A name that does not match the host, or no certificate at all, fails whatever the chain.
        if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(presented);
        return chain.Build(leaf);
    }
}
