// Calls the tcplan emulator with the official Tencent Cloud Node.js SDK
// (tencentcloud-sdk-nodejs), exactly as a user would point it at a local endpoint, so that the
// emulator's signature checks are judged by the vendor's own client.
//
//   TCPLAN_SECRET_ID=... TCPLAN_SECRET_KEY=... \
//     node emulator_client.js URL VERSION ACTION PARAMS_JSON [SIGN_METHOD] [HTTP_METHOD]
//
// URL is http://127.0.0.1:PORT; SIGN_METHOD is TC3-HMAC-SHA256 (default), HmacSHA1 or
// HmacSHA256; HTTP_METHOD is POST (default) or GET. Prints one JSON line:
// {"ok":true,"response":{...}} or {"ok":false,"code":"...","message":"...","requestId":"..."}.
"use strict";

const { CommonClient } = require("tencentcloud-sdk-nodejs/tencentcloud/common/common_client");

async function main() {
  const [url, version, action, paramsJson, signMethod, httpMethod] = process.argv.slice(2);
  if (!url || !version || !action) {
    console.error("usage: emulator_client.js URL VERSION ACTION PARAMS_JSON [SIGN_METHOD] [HTTP_METHOD]");
    process.exit(2);
  }
  const parsed = new URL(url);
  const client = new CommonClient(parsed.host, version, {
    credential: {
      secretId: process.env.TCPLAN_SECRET_ID,
      secretKey: process.env.TCPLAN_SECRET_KEY,
    },
    region: "ap-guangzhou",
    profile: {
      signMethod: signMethod || "TC3-HMAC-SHA256",
      httpProfile: {
        protocol: parsed.protocol + "//",
        reqMethod: httpMethod || "POST",
        reqTimeout: 30,
      },
    },
  });
  try {
    const response = await client.request(action, JSON.parse(paramsJson || "{}"));
    console.log(JSON.stringify({ ok: true, response }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, code: e.code || "", message: e.message || String(e),
                                 requestId: e.requestId || "" }));
  }
}

main();
