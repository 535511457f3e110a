import { Readable } from "node:stream";
import type { TokenCredential } from "@azure/identity";
import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
  type UserDelegationKey,
} from "@azure/storage-blob";
import { ArtifactError, type ArtifactListing, type ArtifactRead, type ArtifactStat, type ArtifactStorePort, type SignedLink } from "../port.js";
import { translateBlobError } from "./translate-blob-error.js";

/** Append blobs take at most 4 MiB per block on every service version the SDK may talk to. */
const MAX_APPEND_BLOCK = 4 * 1024 * 1024;
const LOG_CONTENT_TYPE = "text/plain; charset=utf-8";

/** Few, quick retries: a log flush that fails is tried again by the next flush, and a download the
 * coordinator serves should fail fast rather than hold a request for a minute. */
const PIPELINE = { retryOptions: { maxTries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 2000, tryTimeoutInMs: 60_000 } };

export type AzureBlobAddress =
  /** An account key or Azurite's well-known development account. */
  | { connectionString: string; container: string }
  /** Managed identity (or any Entra ID credential) on `https://<account>.blob.core.windows.net`. */
  | { accountUrl: string; credential: TokenCredential; container: string };

/**
 * Artifacts in Azure Blob Storage through @azure/storage-blob: logs as append blobs (each flush one
 * appendBlock), files as block blobs. Works the same against Azurite. Links are user-delegation
 * SAS (signed with a key the Entra ID identity obtains, never an account key) where the account
 * is reached with Entra ID, and service SAS (signed with the account key) with a connection string.
 */
export class AzureBlobArtifactStore implements ArtifactStorePort {
  private readonly service: BlobServiceClient;
  private readonly container: ContainerClient;
  private readonly sharedKey: StorageSharedKeyCredential | undefined;
  /** Logs this process created (or found), so an append is one call, not two. */
  private readonly logs = new Set<string>();
  private delegationKey: { key: UserDelegationKey; expiresAt: number } | undefined;

  constructor(address: AzureBlobAddress) {
    this.service =
      "connectionString" in address ? BlobServiceClient.fromConnectionString(address.connectionString, PIPELINE) : new BlobServiceClient(address.accountUrl, address.credential, PIPELINE);
    this.container = this.service.getContainerClient(address.container);
    this.sharedKey = this.service.credential instanceof StorageSharedKeyCredential ? this.service.credential : undefined;
  }

  async init(): Promise<void> {
    try {
      await this.container.createIfNotExists();
    } catch (error) {
      throw translateBlobError(error, `container ${this.container.containerName}`);
    }
  }

  async append(key: string, bytes: Buffer, options: { contentType?: string } = {}): Promise<void> {
    const blob = this.container.getAppendBlobClient(key);
    try {
      if (!this.logs.has(key)) {
        await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: options.contentType ?? LOG_CONTENT_TYPE } });
        const properties = await blob.getProperties();
        if (properties.blobType !== "AppendBlob") throw new ArtifactError("conflict", `${key} is a file, not a log: it cannot be appended to`);
        this.logs.add(key);
      }
      for (let start = 0; start < bytes.length; start += MAX_APPEND_BLOCK) {
        const block = bytes.subarray(start, Math.min(bytes.length, start + MAX_APPEND_BLOCK));
        await blob.appendBlock(block, block.length);
      }
    } catch (error) {
      // Deleted meanwhile (an operator, the retention): create it again on the next append.
      this.logs.delete(key);
      throw translateBlobError(error, `appending to ${key}`);
    }
  }

  async put(key: string, body: Buffer | Readable, options: { contentType: string }): Promise<{ bytes: number }> {
    const blob = this.container.getBlockBlobClient(key);
    const headers = { blobHTTPHeaders: { blobContentType: options.contentType } };
    try {
      if (Buffer.isBuffer(body)) {
        await blob.uploadData(body, headers);
        this.logs.delete(key);
        return { bytes: body.length };
      }
      await blob.uploadStream(body, 4 * 1024 * 1024, 2, headers);
      this.logs.delete(key);
      return { bytes: (await blob.getProperties()).contentLength ?? 0 };
    } catch (error) {
      throw translateBlobError(error, `uploading ${key}`);
    }
  }

  async read(key: string, options: { offset?: number; length?: number } = {}): Promise<ArtifactRead | undefined> {
    const stat = await this.stat(key);
    if (stat === undefined) return undefined;
    const offset = Math.min(options.offset ?? 0, stat.bytes);
    const length = options.length === undefined ? stat.bytes - offset : Math.min(options.length, stat.bytes - offset);
    if (length <= 0) return { body: Readable.from([]), offset, ...stat };
    try {
      const response = await this.container.getBlobClient(key).download(offset, length);
      const body = response.readableStreamBody as Readable | undefined;
      if (body === undefined) throw new ArtifactError("unavailable", `downloading ${key}: no body in the answer`);
      // A log may have grown since the stat: the total comes from the answer when it says.
      const total = Number(/\/(\d+)$/.exec(response.contentRange ?? "")?.[1] ?? stat.bytes);
      return { body, offset, bytes: total, contentType: response.contentType ?? stat.contentType, modifiedAt: response.lastModified?.getTime() ?? stat.modifiedAt };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw translateBlobError(error, `downloading ${key}`);
    }
  }

  async stat(key: string): Promise<ArtifactStat | undefined> {
    try {
      const properties = await this.container.getBlobClient(key).getProperties();
      return { bytes: properties.contentLength ?? 0, contentType: properties.contentType ?? "application/octet-stream", modifiedAt: properties.lastModified?.getTime() ?? 0 };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw translateBlobError(error, `reading the properties of ${key}`);
    }
  }

  async delete(key: string): Promise<boolean> {
    this.logs.delete(key);
    try {
      return (await this.container.getBlobClient(key).deleteIfExists()).succeeded;
    } catch (error) {
      throw translateBlobError(error, `deleting ${key}`);
    }
  }

  async *list(prefix: string): AsyncIterable<ArtifactListing> {
    try {
      for await (const item of this.container.listBlobsFlat({ prefix })) {
        yield { key: item.name, bytes: item.properties.contentLength ?? 0, modifiedAt: item.properties.lastModified.getTime() };
      }
    } catch (error) {
      throw translateBlobError(error, `listing ${prefix === "" ? "the container" : prefix}`);
    }
  }

  async link(key: string, options: { expiresInSeconds: number; now: number; downloadName?: string }): Promise<SignedLink | undefined> {
    const blob = this.container.getBlobClient(key);
    // Clocks drift: the signature is valid from a minute before now.
    const startsOn = new Date(options.now - 60_000);
    const expiresOn = new Date(options.now + options.expiresInSeconds * 1000);
    const values = {
      containerName: this.container.containerName,
      blobName: key,
      permissions: BlobSASPermissions.parse("r"),
      startsOn,
      expiresOn,
      // Azurite speaks plain HTTP; an account only HTTPS.
      protocol: blob.url.startsWith("http://") ? SASProtocol.HttpsAndHttp : SASProtocol.Https,
      ...(options.downloadName === undefined ? {} : { contentDisposition: `attachment; filename="${options.downloadName.replace(/"/g, "")}"` }),
    };
    try {
      if (this.sharedKey !== undefined) {
        return { url: `${blob.url}?${generateBlobSASQueryParameters(values, this.sharedKey).toString()}`, expiresAt: expiresOn.getTime(), kind: "service" };
      }
      const delegation = await this.userDelegationKey(options.now, expiresOn.getTime());
      return { url: `${blob.url}?${generateBlobSASQueryParameters(values, delegation, this.service.accountName).toString()}`, expiresAt: expiresOn.getTime(), kind: "user-delegation" };
    } catch (error) {
      throw translateBlobError(error, `signing a link to ${key}`);
    }
  }

  uriOf(key: string): string {
    return this.container.getBlobClient(key).url;
  }

  /** One user delegation key serves every link until shortly before it expires (at most 7 days by
   * the service's rules; an hour here). Needs Storage Blob Data Contributor (or the
   * generateUserDelegationKey action) on the account. */
  private async userDelegationKey(now: number, neededUntil: number): Promise<UserDelegationKey> {
    if (this.delegationKey !== undefined && this.delegationKey.expiresAt > neededUntil) return this.delegationKey.key;
    const expiresAt = Math.max(neededUntil, now + 3_600_000);
    const key = await this.service.getUserDelegationKey(new Date(now - 60_000), new Date(expiresAt));
    this.delegationKey = { key, expiresAt };
    return key;
  }
}
