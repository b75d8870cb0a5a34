using System.ComponentModel.DataAnnotations;
using Crm.Engine.Abstractions.Work;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Crm.Engine.Work.Notifications;

/// <summary>How the SMTP channel secures its connection.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text (loopback relays, tests).</summary>
    None,

    /// <summary>Upgrade with STARTTLS; fail if the server does not offer it.</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,

    /// <summary>STARTTLS when offered.</summary>
    Auto,
}

/// <summary>Settings of the e-mail channel, validated at start.</summary>
public sealed class SmtpChannelOptions
{
    /// <summary>The channel's name.</summary>
    [Required]
    public string ChannelName { get; set; } = "email";

    /// <summary>The SMTP server's host name.</summary>
    [Required]
    public string Host { get; set; } = string.Empty;

    /// <summary>The SMTP port.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>How the connection is secured.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>The user name, when the server needs authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>The password.</summary>
    public string? Password { get; set; }

    /// <summary>The sender address.</summary>
    [Required]
    [EmailAddress]
    public string FromAddress { get; set; } = string.Empty;

    /// <summary>The sender's display name.</summary>
    public string? FromName { get; set; }
}

/// <summary>
/// E-mail over SMTP with MailKit. The notification's idempotency key is the Message-Id (so a retried message is
/// recognisable as the same one) and an <c>X-Idempotency-Key</c> header.
/// </summary>
internal sealed class SmtpEmailChannel(IOptions<SmtpChannelOptions> options) : INotificationChannel
{
    public string Name => options.Value.ChannelName;

    public NotificationAddressKind AddressKind => NotificationAddressKind.Email;

    public async Task SendAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var settings = options.Value;
        using var mime = new MimeMessage();
        mime.From.Add(new MailboxAddress(settings.FromName ?? string.Empty, settings.FromAddress));
        mime.To.Add(MailboxAddress.Parse(message.Address));
        mime.Subject = message.Subject ?? string.Empty;
        mime.MessageId = $"{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{message.TenantId}\n{message.IdempotencyKey}")))[..32].ToLowerInvariant()}@crm.engine";
        mime.Headers.Add("X-Idempotency-Key", message.IdempotencyKey);
        mime.Body = new TextPart("plain") { Text = message.Body };

        using var client = new SmtpClient();
        await client.ConnectAsync(settings.Host, settings.Port, settings.Security switch
        {
            SmtpSecurity.None => SecureSocketOptions.None,
            SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
            SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.Auto,
        }, cancellationToken).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(settings.UserName))
        {
            await client.AuthenticateAsync(settings.UserName, settings.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
        }

        await client.SendAsync(mime, cancellationToken).ConfigureAwait(false);
        await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
    }
}
