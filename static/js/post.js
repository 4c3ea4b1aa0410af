// One way the pages' scripts post a form and read NanoWeb's JSON answer: a server error page or a lost
// connection becomes {error: {message}} in words, like the server's own refusals.
window.NanoWeb = window.NanoWeb || {};
window.NanoWeb.postForJson = function (url, body) {
  return fetch(url, {method: "POST", body: body, credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (response) {
      return response.json().catch(function () {
        return {error: {message: "The server answered " + response.status + " " + response.statusText + "."}};
      });
    })
    .catch(function () { return {error: {message: "Cannot reach NanoWeb. Check the connection and try again."}}; });
};
