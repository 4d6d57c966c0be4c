"""The direct path of the data requests: PutObject and UploadPart as one signed request each."""
