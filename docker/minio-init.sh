#!/bin/sh
# Prepares MinIO for Doudi (docs/operations.md, "Evidence store"), run by the minio-init service
# with the root credentials, which only it and the minio service see:
#   - the bucket, with object lock (and so versioning), so checkpoints can be kept under
#     compliance-mode retention;
#   - a rule expiring leftovers under incoming/, where earlier versions staged uploads (uploads
#     now go straight to their content-addressed key; MinIO itself drops unfinished multipart
#     uploads after a day);
#   - the application's own access key, allowed to read and add objects and to abort its own
#     unfinished multipart uploads of evidence, and never to delete anything or change the
#     bucket.
# Idempotent: it runs on every `docker compose up`.
set -eu
mc alias set doudi "http://minio:9000" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
mc mb --ignore-existing --with-lock "doudi/$MINIO_BUCKET"
if ! mc ilm rule ls "doudi/$MINIO_BUCKET" 2>/dev/null | grep -q "incoming/"; then
    mc ilm rule add --prefix "incoming/" --expire-days 1 --noncurrent-expire-days 1 \
        "doudi/$MINIO_BUCKET"
fi
cat > /tmp/doudi-app.json <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": [
        "s3:ListBucket",
        "s3:ListBucketVersions",
        "s3:ListBucketMultipartUploads",
        "s3:GetBucketLocation",
        "s3:GetBucketVersioning",
        "s3:GetLifecycleConfiguration",
        "s3:GetBucketObjectLockConfiguration"
      ],
      "Resource": ["arn:aws:s3:::$MINIO_BUCKET"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:GetObjectRetention"],
      "Resource": ["arn:aws:s3:::$MINIO_BUCKET/*"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:PutObjectRetention"],
      "Resource": ["arn:aws:s3:::$MINIO_BUCKET/checkpoints/*"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::$MINIO_BUCKET/sha256/*"]
    }
  ]
}
JSON
mc admin policy create doudi doudi-app /tmp/doudi-app.json
# `user add` sets the secret again if the user exists; attaching twice is refused, so ignored.
mc admin user add doudi "$MINIO_ACCESS_KEY" "$MINIO_SECRET_KEY"
mc admin policy attach doudi doudi-app --user "$MINIO_ACCESS_KEY" || true
echo "MinIO ready: bucket $MINIO_BUCKET, application key $MINIO_ACCESS_KEY (policy doudi-app)"
