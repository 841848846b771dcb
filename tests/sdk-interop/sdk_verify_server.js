// A stand-in for the Tencent Cloud API front door that checks every request's TC3-HMAC-SHA256
// signature with the official SDK's own signer (tencentcloud-sdk-nodejs Sign.sign3), so that
// tcplan's signer is judged by the vendor's code, not by ours.
//
//   TCPLAN_VERIFY_SECRET_ID=... TCPLAN_VERIFY_SECRET_KEY=... node sdk_verify_server.js
//
// Prints "listening on http://127.0.0.1:PORT" once ready (port chosen by the OS). Answers like
// the cloud: {"Response":{"Action":..,"Params":<parsed body>,"RequestId":..}} when the
// signature checks out, {"Response":{"Error":{"Code":"AuthFailure.*","Message":..},
// "RequestId":..}} when it does not. Responses are gzip-compressed when the client accepts it.
"use strict";

const http = require("http");
const crypto = require("crypto");
const zlib = require("zlib");
const Sign = require("tencentcloud-sdk-nodejs/tencentcloud/common/sign").default;

const secretId = process.env.TCPLAN_VERIFY_SECRET_ID;
const secretKey = process.env.TCPLAN_VERIFY_SECRET_KEY;
if (!secretId || !secretKey) {
  console.error("set TCPLAN_VERIFY_SECRET_ID and TCPLAN_VERIFY_SECRET_KEY");
  process.exit(2);
}
const services = new Set(["emr", "cvm", "ecm"]);

function utcDate(timestamp) {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

// Returns null when the request is properly signed, else [code, message].
function verify(req, body) {
  const auth = req.headers["authorization"] || "";
  const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return ["AuthFailure.InvalidAuthorization", "Authorization header is invalid."];
  const [, id, date, service, signedHeaders, signature] = m;
  if (id !== secretId) return ["AuthFailure.SecretIdNotFound", "The SecretId is not found."];
  if (signedHeaders !== "content-type;host") {
    return ["AuthFailure.InvalidAuthorization", "SignedHeaders must be content-type;host."];
  }
  if (!services.has(service)) {
    return ["AuthFailure.SignatureFailure", `Credential scope service ${service} is not emr, cvm or ecm.`];
  }
  const timestamp = Number(req.headers["x-tc-timestamp"]);
  if (!Number.isInteger(timestamp)) return ["MissingParameter", "X-TC-Timestamp is missing."];
  if (Math.abs(Date.now() / 1000 - timestamp) > 300) {
    return ["AuthFailure.SignatureExpire", "Signature expired."];
  }
  if (utcDate(timestamp) !== date) {
    return ["AuthFailure.SignatureFailure", "Credential date does not match X-TC-Timestamp."];
  }
  // The SDK's signer takes the URL (it signs URL.hostname, without the port), the content
  // type as sent and the exact body bytes.
  const expected = Sign.sign3({
    method: req.method,
    url: `http://${req.headers["host"]}${req.url}`,
    payload: body,
    timestamp,
    service,
    secretId,
    secretKey,
    headers: { "Content-Type": req.headers["content-type"] || "" },
  });
  const got = Buffer.from(auth);
  const want = Buffer.from(expected);
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) {
    return [
      "AuthFailure.SignatureFailure",
      "The provided credentials could not be validated. Please check your signature is correct.",
    ];
  }
  return null;
}

function send(req, res, status, response) {
  let payload = Buffer.from(JSON.stringify({ Response: response }), "utf8");
  const headers = { "Content-Type": "application/json" };
  if (/\bgzip\b/.test(req.headers["accept-encoding"] || "")) {
    payload = zlib.gzipSync(payload);
    headers["Content-Encoding"] = "gzip";
  }
  headers["Content-Length"] = payload.length;
  res.writeHead(status, headers);
  res.end(payload);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const requestId = crypto.randomUUID();
    if (req.method !== "POST") {
      send(req, res, 200, { Error: { Code: "UnsupportedProtocol", Message: "POST only." }, RequestId: requestId });
      return;
    }
    const problem = verify(req, body);
    if (problem) {
      send(req, res, 200, { Error: { Code: problem[0], Message: problem[1] }, RequestId: requestId });
      return;
    }
    let params;
    try {
      params = JSON.parse(body.toString("utf8"));
    } catch (e) {
      send(req, res, 200, { Error: { Code: "InvalidParameter", Message: "Body is not JSON." }, RequestId: requestId });
      return;
    }
    send(req, res, 200, {
      Action: req.headers["x-tc-action"] || "",
      Version: req.headers["x-tc-version"] || "",
      Region: req.headers["x-tc-region"] || "",
      Params: params,
      RequestId: requestId,
    });
  });
});

server.listen(0, "127.0.0.1", () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
// Exit with the parent: the test closes our stdin when it is done with us.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
