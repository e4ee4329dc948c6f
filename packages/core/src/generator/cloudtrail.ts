import { CLOUDTRAIL_DATASET } from '../datasets/cloudtrail.js';
import { nullRow } from '../datasets/index.js';
import type { CloudTrailFields } from '../parsers/cloudtrail.js';
import type { GeneratedLine, Rng } from './rng.js';

const ACCOUNTS = ['123456789012', '210987654321', '555555555555'];
const REGIONS = ['us-east-1', 'us-east-2', 'eu-west-1', 'ap-southeast-2'];
const USERS = ['Alice', 'Bob', 'deploy-bot', 'Mateo'];
const ROLES = ['OrdersApiRole', 'AdminRole', 'ci-deployer', 'ReadOnly'];
const AGENTS = [
  'aws-cli/2.15.30 Python/3.11.8 Linux/6.1.79 exe/x86_64.amzn.2023 prompt/off command/iam.create-user',
  'aws-sdk-js/3.540.0 ua/2.0 os/linux#5.10 lang/js md/nodejs#20.11.1 api/s3#3.540.0',
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.12.2',
  'AWS Internal',
];

/** The record under construction and the fields the parser must return for it. */
interface Draft {
  readonly rec: Record<string, unknown>;
  readonly f: CloudTrailFields;
}

/** Every declared column, null: what the parser returns for fields a record lacks. */
function allNull(): CloudTrailFields {
  return nullRow(CLOUDTRAIL_DATASET) as CloudTrailFields;
}

/** CloudTrail's time format: ISO 8601 UTC to the second (`2026-01-01T00:00:00Z`). */
function eventTime(t: number): string {
  return `${new Date(t).toISOString().slice(0, 19)}Z`;
}

function accessKey(rng: Rng, temporary: boolean): string {
  return `${temporary ? 'ASIA' : 'AKIA'}${rng.hex(16).toUpperCase()}`;
}

function iamUser(d: Draft, rng: Rng, account: string): void {
  const name = rng.pick(USERS);
  const id = {
    type: 'IAMUser',
    principalId: `AIDA${rng.hex(17).toUpperCase()}`,
    arn: `arn:aws:iam::${account}:user/${name}`,
    accountId: account,
    accessKeyId: accessKey(rng, false),
    userName: name,
  };
  d.rec.userIdentity = id;
  Object.assign(d.f, {
    user_identity: id,
    user_identity_type: id.type,
    user_identity_arn: id.arn,
    user_identity_account_id: account,
    user_identity_principal_id: id.principalId,
    user_identity_user_name: name,
    user_identity_access_key_id: id.accessKeyId,
  });
}

function assumedRole(d: Draft, rng: Rng, account: string, t: number): void {
  const role = rng.pick(ROLES);
  const roleId = `AROA${rng.hex(17).toUpperCase()}`;
  const session = rng.pick([
    'i-0a1b2c3d4e5f60718',
    'botocore-session-1711965022',
    'alice@example.com',
  ]);
  const issuerArn = `arn:aws:iam::${account}:role/${role}`;
  const id = {
    type: 'AssumedRole',
    principalId: `${roleId}:${session}`,
    arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
    accountId: account,
    accessKeyId: accessKey(rng, true),
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: roleId,
        arn: issuerArn,
        accountId: account,
        userName: role,
      },
      attributes: { creationDate: eventTime(t - 600_000), mfaAuthenticated: 'false' },
    },
  };
  d.rec.userIdentity = id;
  Object.assign(d.f, {
    user_identity: id,
    user_identity_type: id.type,
    user_identity_arn: id.arn,
    user_identity_account_id: account,
    user_identity_principal_id: id.principalId,
    user_identity_access_key_id: id.accessKeyId,
    user_identity_session_issuer_arn: issuerArn,
  });
}

function awsService(d: Draft, service: string): void {
  const id = { type: 'AWSService', invokedBy: service };
  d.rec.userIdentity = id;
  Object.assign(d.f, {
    user_identity: id,
    user_identity_type: id.type,
    user_identity_invoked_by: service,
  });
}

/** Sets a record key and its column together. */
function put<K extends keyof CloudTrailFields>(
  d: Draft,
  key: string,
  column: K,
  value: CloudTrailFields[K],
): void {
  d.rec[key] = value;
  d.f[column] = value;
}

function failWith(d: Draft, code: string, message: string): void {
  put(d, 'errorCode', 'error_code', code);
  put(d, 'errorMessage', 'error_message', message);
}

/**
 * One realistic CloudTrail event as CloudTrail sends it to CloudWatch Logs
 * (one compact JSON record per log event): IAM user management, S3 object
 * reads (data events), EC2 instance calls, STS AssumeRole by a service,
 * console sign-ins and KMS service events; some fail with an `errorCode`.
 * `fields` is every column the `cloudtrail` parser must return.
 *
 * @example
 * ```ts
 * const { message, fields } = generateCloudTrailEvent(new Rng(7), Date.UTC(2026, 0, 1));
 * ```
 */
export function generateCloudTrailEvent(rng: Rng, timeMs: number): GeneratedLine {
  // CloudTrail writes eventTime to the second.
  const t = Math.floor(timeMs / 1000) * 1000;
  const account = rng.pick(ACCOUNTS);
  const region = rng.pick(REGIONS);
  const d: Draft = { rec: {}, f: allNull() };
  const kind = rng.int(0, 5);
  put(d, 'eventVersion', 'event_version', rng.pick(['1.08', '1.09', '1.10', '1.11']));
  const ip = rng.ipv4();

  switch (kind) {
    case 0: {
      // IAM CreateUser / AttachUserPolicy by an IAM user, sometimes denied.
      iamUser(d, rng, account);
      d.rec.eventTime = eventTime(t);
      put(d, 'eventSource', 'event_source', 'iam.amazonaws.com');
      const create = rng.chance(0.5);
      put(d, 'eventName', 'event_name', create ? 'CreateUser' : 'AttachUserPolicy');
      put(d, 'awsRegion', 'aws_region', 'us-east-1');
      put(d, 'sourceIPAddress', 'source_ip_address', ip);
      put(d, 'userAgent', 'user_agent', rng.pick(AGENTS.slice(0, 3)));
      const newUser = `svc-${rng.hex(6)}`;
      const params = create
        ? { userName: newUser }
        : { userName: newUser, policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' };
      if (rng.chance(0.25)) {
        failWith(
          d,
          'AccessDenied',
          `User: ${d.f.user_identity_arn} is not authorized to perform: iam:${d.f.event_name} on resource: arn:aws:iam::${account}:user/${newUser} because no identity-based policy allows the iam:${d.f.event_name} action`,
        );
        put(d, 'requestParameters', 'request_parameters', params);
        put(d, 'responseElements', 'response_elements', null);
      } else {
        put(d, 'requestParameters', 'request_parameters', params);
        put(
          d,
          'responseElements',
          'response_elements',
          create
            ? {
                user: {
                  path: '/',
                  userName: newUser,
                  userId: `AIDA${rng.hex(17).toUpperCase()}`,
                  arn: `arn:aws:iam::${account}:user/${newUser}`,
                  createDate: 'Jan 1, 2026, 12:00:00 AM',
                },
              }
            : null,
        );
      }
      put(d, 'requestID', 'request_id', rng.uuid());
      put(d, 'eventID', 'event_id', rng.uuid());
      put(d, 'readOnly', 'read_only', false);
      put(d, 'eventType', 'event_type', 'AwsApiCall');
      put(d, 'managementEvent', 'management_event', true);
      put(d, 'recipientAccountId', 'recipient_account_id', account);
      put(d, 'eventCategory', 'event_category', 'Management');
      put(d, 'tlsDetails', 'tls_details', {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: 'iam.amazonaws.com',
      });
      if (rng.chance(0.3)) {
        // Console sessions write this boolean as a string.
        d.rec.sessionCredentialFromConsole = 'true';
        d.f.session_credential_from_console = true;
      }
      break;
    }
    case 1: {
      // S3 GetObject data event through a VPC endpoint, sometimes NoSuchKey.
      assumedRole(d, rng, account, t);
      d.rec.eventTime = eventTime(t);
      put(d, 'eventSource', 'event_source', 's3.amazonaws.com');
      put(d, 'eventName', 'event_name', 'GetObject');
      put(d, 'awsRegion', 'aws_region', region);
      put(d, 'sourceIPAddress', 'source_ip_address', rng.ipv4(10));
      put(d, 'userAgent', 'user_agent', AGENTS[1] as string);
      const bucket = `orders-archive-${account}`;
      const key = `2026/01/${rng.digits(2)}/${rng.hex(8)}.json`;
      put(d, 'requestParameters', 'request_parameters', {
        bucketName: bucket,
        Host: `${bucket}.s3.${region}.amazonaws.com`,
        key,
      });
      if (rng.chance(0.2)) failWith(d, 'NoSuchKey', 'The specified key does not exist.');
      put(d, 'responseElements', 'response_elements', null);
      put(d, 'additionalEventData', 'additional_event_data', {
        SignatureVersion: 'SigV4',
        CipherSuite: 'TLS_AES_128_GCM_SHA256',
        bytesTransferredIn: 0,
        AuthenticationMethod: 'AuthHeader',
        'x-amz-id-2': rng.hex(40),
        bytesTransferredOut: rng.int(0, 1_000_000),
      });
      put(d, 'requestID', 'request_id', rng.hex(16).toUpperCase());
      put(d, 'eventID', 'event_id', rng.uuid());
      put(d, 'readOnly', 'read_only', true);
      put(d, 'resources', 'resources', [
        { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${bucket}/${key}` },
        { accountId: account, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${bucket}` },
      ]);
      put(d, 'eventType', 'event_type', 'AwsApiCall');
      put(d, 'managementEvent', 'management_event', false);
      put(d, 'recipientAccountId', 'recipient_account_id', account);
      put(d, 'vpcEndpointId', 'vpc_endpoint_id', `vpce-${rng.hex(17)}`);
      put(d, 'vpcEndpointAccountId', 'vpc_endpoint_account_id', account);
      put(d, 'eventCategory', 'event_category', 'Data');
      break;
    }
    case 2: {
      // EC2 calls by a role, sometimes UnauthorizedOperation.
      assumedRole(d, rng, account, t);
      d.rec.eventTime = eventTime(t);
      put(d, 'eventSource', 'event_source', 'ec2.amazonaws.com');
      const name = rng.pick(['DescribeInstances', 'RunInstances', 'StopInstances']);
      put(d, 'eventName', 'event_name', name);
      put(d, 'awsRegion', 'aws_region', region);
      put(d, 'sourceIPAddress', 'source_ip_address', ip);
      put(d, 'userAgent', 'user_agent', AGENTS[2] as string);
      const instance = `i-0${rng.hex(16)}`;
      if (name !== 'DescribeInstances' && rng.chance(0.3)) {
        failWith(
          d,
          'Client.UnauthorizedOperation',
          `You are not authorized to perform this operation. User: ${d.f.user_identity_arn} is not authorized to perform: ec2:${name}. Encoded authorization failure message: ${rng.hex(40)}`,
        );
      }
      put(
        d,
        'requestParameters',
        'request_parameters',
        name === 'DescribeInstances'
          ? { instancesSet: {}, filterSet: {} }
          : { instancesSet: { items: [{ instanceId: instance }] }, force: false },
      );
      put(
        d,
        'responseElements',
        'response_elements',
        name === 'DescribeInstances' || d.f.error_code !== null
          ? null
          : { requestId: rng.uuid(), instancesSet: { items: [{ instanceId: instance }] } },
      );
      put(d, 'requestID', 'request_id', rng.uuid());
      put(d, 'eventID', 'event_id', rng.uuid());
      put(d, 'readOnly', 'read_only', name === 'DescribeInstances');
      put(d, 'eventType', 'event_type', 'AwsApiCall');
      put(d, 'managementEvent', 'management_event', true);
      put(d, 'recipientAccountId', 'recipient_account_id', account);
      put(d, 'eventCategory', 'event_category', 'Management');
      break;
    }
    case 3: {
      // STS AssumeRole by a service (Lambda assuming its execution role).
      const service = rng.pick(['lambda.amazonaws.com', 'ecs-tasks.amazonaws.com']);
      awsService(d, service);
      d.rec.eventTime = eventTime(t);
      put(d, 'eventSource', 'event_source', 'sts.amazonaws.com');
      put(d, 'eventName', 'event_name', 'AssumeRole');
      put(d, 'awsRegion', 'aws_region', region);
      put(d, 'sourceIPAddress', 'source_ip_address', service);
      put(d, 'userAgent', 'user_agent', service);
      const roleArn = `arn:aws:iam::${account}:role/${rng.pick(ROLES)}`;
      const sessionName = rng.hex(12);
      put(d, 'requestParameters', 'request_parameters', {
        roleArn,
        roleSessionName: sessionName,
        durationSeconds: 3600,
      });
      put(d, 'responseElements', 'response_elements', {
        credentials: {
          accessKeyId: accessKey(rng, true),
          sessionToken: rng.hex(64),
          expiration: 'Jan 1, 2026, 1:00:00 AM',
        },
      });
      put(d, 'requestID', 'request_id', rng.uuid());
      put(d, 'eventID', 'event_id', rng.uuid());
      put(d, 'readOnly', 'read_only', true);
      put(d, 'resources', 'resources', [
        { accountId: account, type: 'AWS::IAM::Role', ARN: roleArn },
      ]);
      put(d, 'eventType', 'event_type', 'AwsApiCall');
      put(d, 'managementEvent', 'management_event', true);
      put(d, 'recipientAccountId', 'recipient_account_id', account);
      put(d, 'sharedEventID', 'shared_event_id', rng.uuid());
      put(d, 'eventCategory', 'event_category', 'Management');
      break;
    }
    case 4: {
      // Console sign-in, sometimes failed.
      iamUser(d, rng, account);
      d.rec.eventTime = eventTime(t);
      put(d, 'eventSource', 'event_source', 'signin.amazonaws.com');
      put(d, 'eventName', 'event_name', 'ConsoleLogin');
      put(d, 'awsRegion', 'aws_region', 'us-east-1');
      put(d, 'sourceIPAddress', 'source_ip_address', ip);
      put(
        d,
        'userAgent',
        'user_agent',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36',
      );
      const failed = rng.chance(0.3);
      if (failed) put(d, 'errorMessage', 'error_message', 'Failed authentication');
      put(d, 'requestParameters', 'request_parameters', null);
      put(d, 'responseElements', 'response_elements', {
        ConsoleLogin: failed ? 'Failure' : 'Success',
      });
      put(d, 'additionalEventData', 'additional_event_data', {
        LoginTo: 'https://console.aws.amazon.com/console/home',
        MobileVersion: 'No',
        MFAUsed: rng.pick(['Yes', 'No']),
      });
      put(d, 'eventID', 'event_id', rng.uuid());
      put(d, 'readOnly', 'read_only', false);
      put(d, 'eventType', 'event_type', 'AwsConsoleSignIn');
      put(d, 'managementEvent', 'management_event', true);
      put(d, 'recipientAccountId', 'recipient_account_id', account);
      put(d, 'eventCategory', 'event_category', 'Management');
      break;
    }
    default: {
      // KMS key rotation: a service event.
      const id = { accountId: account, invokedBy: 'AWS Internal' };
      d.rec.userIdentity = id;
      Object.assign(d.f, {
        user_identity: id,
        user_identity_account_id: account,
        user_identity_invoked_by: 'AWS Internal',
      });
      d.rec.eventTime = eventTime(t);
      put(d, 'eventSource', 'event_source', 'kms.amazonaws.com');
      put(d, 'eventName', 'event_name', 'RotateKey');
      put(d, 'awsRegion', 'aws_region', region);
      put(d, 'sourceIPAddress', 'source_ip_address', 'AWS Internal');
      put(d, 'userAgent', 'user_agent', 'AWS Internal');
      put(d, 'requestParameters', 'request_parameters', null);
      put(d, 'responseElements', 'response_elements', null);
      put(d, 'eventID', 'event_id', rng.uuid());
      put(d, 'readOnly', 'read_only', false);
      const keyId = rng.uuid();
      put(d, 'resources', 'resources', [
        {
          ARN: `arn:aws:kms:${region}:${account}:key/${keyId}`,
          accountId: account,
          type: 'AWS::KMS::Key',
        },
      ]);
      put(d, 'eventType', 'event_type', 'AwsServiceEvent');
      put(d, 'managementEvent', 'management_event', true);
      put(d, 'recipientAccountId', 'recipient_account_id', account);
      put(d, 'serviceEventDetails', 'service_event_details', { keyId });
      put(d, 'eventCategory', 'event_category', 'Management');
    }
  }
  d.f.event_time = t;
  return { message: JSON.stringify(d.rec), fields: d.f };
}
